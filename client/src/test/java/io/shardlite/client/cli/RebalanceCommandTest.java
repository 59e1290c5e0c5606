package io.shardlite.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.launch.Ports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RebalanceCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private RebalanceCommand parse(String... args) {
    RebalanceCommand c = new RebalanceCommand();
    new CommandLine(c).parseArgs(args);
    c.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    c.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    return c;
  }

  /** Addresses of servers that are not running: every call is refused at once. */
  private static String downServers(int n) {
    int[] ports = Ports.freePorts(2 * n);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("s").append(i + 1).append("=127.0.0.1:").append(ports[2 * i])
          .append("/127.0.0.1:").append(ports[2 * i + 1]);
    }
    return b.toString();
  }

  @Test
  void defaultsKeepEveryServerAndReplicationFactorThree() {
    RebalanceCommand c = parse("--shards", "8", "-s", "a=h:1/h:2,b=h:3/h:4");
    assertThat(c.servers).containsExactly("a=h:1/h:2", "b=h:3/h:4");
    assertThat(c.target).isNull();
    assertThat(c.replicationFactor).isEqualTo(3);
    assertThat(c.maxMoves).isEqualTo(2);
    assertThat(c.timeoutSeconds).isEqualTo(600);
    assertThat(c.dryRun).isFalse();
  }

  @Test
  void badArgumentsAreRefusedBeforeAnyCall() {
    assertThat(parse("--shards", "8", "-s", "s1=127.0.0.1:7001").call()).isEqualTo(RebalanceCommand.BAD_ARGUMENTS);
    assertThat(err.toString()).contains("is not ID=GRPC_HOST:PORT/RAFT_HOST:PORT");
    assertThat(parse("--shards", "8", "--target", "4", "-s", downServers(3)).call())
        .isEqualTo(RebalanceCommand.BAD_ARGUMENTS);
    assertThat(err.toString()).contains("targetCount must be 1..3");
    assertThat(parse("--shards", "0", "-s", downServers(3)).call()).isEqualTo(RebalanceCommand.BAD_ARGUMENTS);
    assertThat(parse("--shards", "8", "-s", "s1=h:1/h:2,s1=h:3/h:4").call()).isEqualTo(RebalanceCommand.BAD_ARGUMENTS);
    assertThat(err.toString()).contains("listed twice");
  }

  @Test
  void aTargetBelowTheReplicationFactorIsRefusedWithItsReason() {
    assertThat(parse("--shards", "8", "--target", "2", "-s", downServers(3)).call()).isEqualTo(RebalanceCommand.REFUSED);
    assertThat(err.toString()).contains("refused (TooFewShardPods): the target of 2 shard servers [s1, s2] cannot hold"
        + " replication factor 3");
  }

  @Test
  void unreachableServersAreReportedAndTheRunGivesUpAtItsTimeout() {
    int code = parse("--shards", "2", "--timeout", "1", "-s", downServers(3)).call();
    assertThat(code).isEqualTo(RebalanceCommand.NOT_FINISHED);
    assertThat(err.toString()).contains("s1 did not answer: UNAVAILABLE").contains("not finished after 1 s")
        .doesNotContain("\tat ");
    assertThat(out.toString()).contains("shard 0: no server reports it");
  }

  @Test
  void aDryRunChangesNothingAndSaysWhatItSees() {
    int code = parse("--shards", "2", "--dry-run", "-s", downServers(3)).call();
    assertThat(code).isEqualTo(RebalanceCommand.DONE);
    assertThat(out.toString()).contains("target: [s1, s2, s3] keep replicas (replication factor 3)")
        .contains("2 shards unobserved");
  }
}
