package io.shardlite.sequencer.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.common.batch.GroupPacing;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SequencerServerMainTest {
  /** The configuration that the flags give, after a minimal single-replica base. */
  static SequencerServerConfig parse(String... extra) {
    SequencerServerMain main = new SequencerServerMain();
    String[] base = {"--node-id", "q1", "--peers", "q1=127.0.0.1:7100"};
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
        .toArray(String[]::new);
    new CommandLine(main).parseArgs(args);
    return main.config();
  }

  @Test
  void theLeaderSpacesItsEntriesOnABusyCpuByDefault() {
    assertThat(parse().entryPacing()).isEqualTo(new GroupPacing(Duration.ofMillis(20), 85));
    assertThat(parse("--entry-gap-ms", "0").entryPacing().gap()).isEqualTo(Duration.ZERO);
    assertThat(parse("--entry-gap-ms", "25", "--busy-cpu-percent", "0").entryPacing())
        .isEqualTo(new GroupPacing(Duration.ofMillis(25), 0));
  }

  @Test
  void pacingFlagsOutsideTheirRangeAreRefused() {
    assertThatThrownBy(() -> parse("--entry-gap-ms", "1001")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry gap must be in [0, 1000 ms]");
    assertThatThrownBy(() -> parse("--busy-cpu-percent", "101")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("busy CPU percent");
  }
}
