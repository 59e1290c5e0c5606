package io.shardlite.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatTest {
  private static List<String> stat(String cpuLine) {
    return List.of(cpuLine, "cpu0 1 2 3 4 5 6 7 0 0 0", "cpu1 1 2 3 4 5 6 7 0 0 0", "intr 123 4 5", "ctxt 99",
        "btime 1700000000", "processes 12");
  }

  @Test
  void countsBusyAsEverythingButIdleAndIoWaitAndLeavesStealOut() {
    ProcStat s = ProcStat.parse(stat("cpu  100 10 50 800 40 5 5 30 0 0"));
    assertThat(s.totalTicks()).isEqualTo(100 + 10 + 50 + 800 + 40 + 5 + 5);
    assertThat(s.busyTicks()).isEqualTo(100 + 10 + 50 + 5 + 5);
    assertThat(s.cpus()).isEqualTo(2);
  }

  @Test
  void theBusyShareIsTheBusyTicksOverTheTicksBetweenTwoReadings() {
    ProcStat a = ProcStat.parse(stat("cpu  100 0 0 100 0 0 0 0 0 0"));
    ProcStat b = ProcStat.parse(stat("cpu  175 0 0 125 0 0 0 0 0 0"));
    assertThat(b.busySince(a)).isCloseTo(0.75, within(1e-9));
    assertThat(a.busySince(a)).isNaN();
  }

  @Test
  void olderKernelsWithFewerColumnsStillParse() {
    ProcStat s = ProcStat.parse(List.of("cpu  10 0 5 85"));
    assertThat(s.totalTicks()).isEqualTo(100);
    assertThat(s.busyTicks()).isEqualTo(15);
  }

  @Test
  void somethingElseIsNoReading() {
    assertThat(ProcStat.parse(List.of("intr 1 2 3"))).isNull();
    assertThat(ProcStat.parse(List.of("cpu  1 2"))).isNull();
  }
}
