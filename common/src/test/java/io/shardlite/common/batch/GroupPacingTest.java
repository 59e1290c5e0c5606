package io.shardlite.common.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GroupPacingTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private final GroupPacing pacing = new GroupPacing(Duration.ofMillis(10), 85);

  @Test
  void onABusyCpuTheNextGroupWaitsTheRestOfTheGap() {
    assertThat(pacing.holdNanos(0, false, 85)).isEqualTo(10 * MS);
    assertThat(pacing.holdNanos(4 * MS, false, 100)).isEqualTo(6 * MS);
    assertThat(pacing.holdNanos(10 * MS, false, 100)).as("the gap is over").isZero();
    assertThat(pacing.holdNanos(Long.MAX_VALUE, false, 100)).as("nothing sent for ages").isZero();
  }

  @Test
  void belowTheBusyPercentTheGapShortensInProportionToNone() {
    assertThat(pacing.holdNanos(0, false, 84)).as("14 of the ramp's 15 points").isEqualTo(10 * MS * 14 / 15);
    assertThat(pacing.holdNanos(0, false, 76)).isEqualTo(4 * MS);
    assertThat(pacing.holdNanos(3 * MS, false, 76)).isEqualTo(MS);
    assertThat(pacing.holdNanos(5 * MS, false, 76)).isZero();
    assertThat(pacing.holdNanos(0, false, 70)).as("the ramp's foot").isZero();
    assertThat(new GroupPacing(Duration.ofMillis(10), 10).holdNanos(0, false, 5)).as("a ramp that starts at 0%")
        .isEqualTo(5 * MS);
  }

  @Test
  void neverHoldsWithCpuToSpareAFullGroupOrNoGap() {
    assertThat(pacing.holdNanos(0, false, 70)).isZero();
    assertThat(pacing.holdNanos(0, false, 3)).isZero();
    assertThat(pacing.holdNanos(0, true, 100)).as("full anyway").isZero();
    assertThat(GroupPacing.OFF.holdNanos(0, false, 100)).isZero();
    assertThat(new GroupPacing(Duration.ofMillis(10), 0).holdNanos(0, false, 0)).as("0%: whatever the CPU")
        .isEqualTo(10 * MS);
  }

  @Test
  void refusesValuesOutOfRange() {
    assertThatThrownBy(() -> new GroupPacing(Duration.ofMillis(-1), 85)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry gap");
    assertThatThrownBy(() -> new GroupPacing(Duration.ofMillis(1001), 85)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry gap");
    assertThatThrownBy(() -> new GroupPacing(Duration.ofMillis(10), 101)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("busy CPU percent");
    assertThatThrownBy(() -> new GroupPacing(Duration.ofMillis(10), -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("busy CPU percent");
  }
}
