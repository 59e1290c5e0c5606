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
  void lanesPauseBetweenEntriesOnlyWhenTold() {
    assertThat(parse().entryGap()).isEqualTo(Duration.ZERO);
    assertThat(parse("--entry-gap-ms", "30").entryGap()).isEqualTo(Duration.ofMillis(30));
    assertThat(parse("--entry-gap-ms", "1000").entryGap()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void anEntryGapOutsideItsRangeIsRefused() {
    assertThatThrownBy(() -> parse("--entry-gap-ms", "-1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry gap must be in [0, 1000 ms]");
    assertThatThrownBy(() -> parse("--entry-gap-ms", "1001")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 1001 ms");
  }
}
