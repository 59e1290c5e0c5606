package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VirtualMasterMainTest {
  private static VirtualMasterConfig parse(String... extra) {
    VirtualMasterMain main = new VirtualMasterMain();
    String[] base = {"--vm-id", "vm1", "--sequencer", "127.0.0.1:1", "--shard-servers", "127.0.0.1:2"};
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
        .toArray(String[]::new);
    new CommandLine(main).parseArgs(args);
    return main.config();
  }

  @Test
  void lanesPaceTheirEntriesByDefault() {
    assertThat(parse().entryPacing()).isEqualTo(new EntryPacing(Duration.ofMillis(100), 64, 95, 4, 5));
    assertThat(parse("--entry-gap-ms", "0").entryPacing().maxGap()).isEqualTo(Duration.ZERO);
    assertThat(parse("--entry-gap-ms", "1000", "--entry-fill", "8", "--busy-cpu-percent", "0", "--entry-min-items", "1",
        "--entry-gap-looks", "0").entryPacing()).isEqualTo(new EntryPacing(Duration.ofSeconds(1), 8, 0, 1, 0));
  }

  @Test
  void pacingFlagsOutsideTheirRangeAreRefused() {
    assertThatThrownBy(() -> parse("--entry-gap-ms", "-1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry gap must be in [0, 1000 ms]");
    assertThatThrownBy(() -> parse("--entry-gap-ms", "1001")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 1001 ms");
    assertThatThrownBy(() -> parse("--entry-fill", "0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry fill");
    assertThatThrownBy(() -> parse("--busy-cpu-percent", "101")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("busy CPU percent");
    assertThatThrownBy(() -> parse("--entry-min-items", "0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minimum items");
    assertThatThrownBy(() -> parse("--entry-gap-looks", "-1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("looks per entry gap");
  }
}
