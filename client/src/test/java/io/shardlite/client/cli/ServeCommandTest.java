package io.shardlite.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServeCommandTest {

  @Test
  void kindsByTheirCliNames() {
    assertThat(ServeCommand.Kind.parse("shard-server")).isEqualTo(ServeCommand.Kind.SHARD_SERVER);
    assertThat(ServeCommand.Kind.parse("sequencer")).isEqualTo(ServeCommand.Kind.SEQUENCER);
    assertThat(ServeCommand.Kind.parse("vmaster")).isEqualTo(ServeCommand.Kind.VMASTER);
    assertThatThrownBy(() -> ServeCommand.Kind.parse("shard")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected shard-server, sequencer or vmaster");
  }

  @Test
  void flagsReachTheServerInTheirOrder() {
    ServeCommand serve = new ServeCommand();
    CommandLine cli = new CommandLine(serve).setUnmatchedOptionsArePositionalParams(true);
    cli.parseArgs("shard-server", "--node-id", "s1", "--data-dir=/d", "--grpc-port", "0");
    assertThat(serve.kind).isEqualTo("shard-server");
    assertThat(serve.flags).containsExactly("--node-id", "s1", "--data-dir=/d", "--grpc-port", "0");
  }

  @Test
  void anUnknownKindIsAUsageError() {
    assertThat(new CommandLine(new ServeCommand()).execute("bogus")).isEqualTo(2);
  }

  @Test
  void helpPrintsTheUsageAndExitsZero() {
    java.io.StringWriter out = new java.io.StringWriter();
    CommandLine cli = new CommandLine(new ServeCommand()).setUnmatchedOptionsArePositionalParams(true)
        .setOut(new java.io.PrintWriter(out));
    assertThat(cli.execute("--help")).isZero();
    assertThat(out.toString()).contains("KIND", "shard-server, sequencer or vmaster");
  }
}
