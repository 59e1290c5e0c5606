package io.shardlite.shard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ShardServerMainTest {
  private static ShardServerMain parse(String... args) {
    ShardServerMain main = new ShardServerMain();
    new CommandLine(main).parseArgs(args);
    return main;
  }

  @Test
  void bootstrapIsAutoUnlessToldNever() {
    assertThat(parse("--node-id", "s1").config().bootstrap()).isTrue();
    assertThat(parse("--node-id", "s1", "--bootstrap", "never").config().bootstrap()).isFalse();
    assertThat(parse("--node-id", "s1", "--bootstrap", "auto").config().bootstrap()).isTrue();
  }

  @Test
  void anUnknownBootstrapModeIsAUsageError() {
    assertThatThrownBy(() -> parse("--node-id", "s1", "--bootstrap", "sometimes").config())
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("auto or never");
  }
}
