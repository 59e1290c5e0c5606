package io.shardlite.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.client.SmallCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The {@code status} and {@code sql} commands against a real local cluster ({@link SmallCluster}):
 * what a user sees, exit codes included.
 */
class CliIT {
  private static SmallCluster cluster;

  @BeforeAll
  static void start() throws IOException {
    cluster = SmallCluster.start("cli", List.of());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A command's exit code and what it printed. */
  private record Run(int exit, String out, String err) {}

  private static synchronized Run run(Object command, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int exit = new CommandLine(command).execute(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  @Test
  void statusShowsOwnershipGroupsAndReachabilityForEveryKindOfEndpoint() {
    List<String> all = new ArrayList<>(cluster.sequencer.endpoints());
    all.addAll(cluster.shardServers.endpoints());
    all.addAll(cluster.vms.endpoints());
    // Ownership settles shortly after the virtual masters register: poll until every shard is owned.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Run r = run(new StatusCommand(), "-s", String.join(",", all));
    while (r.exit() != 0 && System.nanoTime() - deadline < 0) {
      r = run(new StatusCommand(), "-s", String.join(",", all));
    }
    assertThat(r.exit()).as("status output:%n%s%s", r.out(), r.err()).isZero();
    String out = r.out();
    assertThat(out).contains("sequencer replica " + cluster.sequencer.endpoints().get(0) + ": 4 shards, 2 virtual masters");
    for (int shard = 0; shard < SmallCluster.SHARDS; shard++) {
      assertThat(out).containsPattern("(?m)^  " + shard + " +vm[12] +[1-9][0-9]*$");
    }
    assertThat(out).containsPattern("(?m)^  vm1 +127\\.0\\.0\\.1:[0-9]+ +no +[0-9]+$");
    assertThat(out).containsPattern("(?m)^  vm2 +127\\.0\\.0\\.1:[0-9]+ +no +[0-9]+$");
    for (String id : List.of("s1", "s2", "s3")) {
      assertThat(out).containsPattern("shard server " + id + " \\(127\\.0\\.0\\.1:[0-9]+\\): 4 groups");
    }
    for (String vm : cluster.vms.endpoints()) {
      assertThat(out).contains("virtual master " + vm + ": 4 shards, 4 readable now");
    }
  }

  @Test
  void sqlRunsStatementsByKeyAndSaysWhatFailed() {
    String s = String.join(",", cluster.vms.endpoints());
    Run ddl = run(new SqlCommand(), "-s", s, "CREATE TABLE cli_t(k TEXT PRIMARY KEY, v INTEGER)");
    assertThat(ddl.exit()).isZero();
    assertThat(ddl.out()).isEqualTo("ok: 0 row(s) affected" + System.lineSeparator());
    Run insert = run(new SqlCommand(), "-s", s, "-k", "alice", "INSERT INTO cli_t VALUES ('alice', 7)");
    assertThat(insert.exit()).isZero();
    assertThat(insert.out()).startsWith("ok: 1 row(s) affected, last insert rowid ");
    Run update = run(new SqlCommand(), "-s", s, "-k", "alice", "UPDATE cli_t SET v = v WHERE k = 'nobody'");
    assertThat(update.out()).isEqualTo("ok: 0 row(s) affected" + System.lineSeparator());
    Run read = run(new SqlCommand(), "-s", s, "-k", "alice", "SELECT k, v FROM cli_t");
    assertThat(read.exit()).isZero();
    assertThat(read.out()).containsPattern("alice +\\| +7").contains("(1 row)");
    Run duplicate = run(new SqlCommand(), "-s", s, "-k", "alice", "INSERT INTO cli_t VALUES ('alice', 8)");
    assertThat(duplicate.exit()).isEqualTo(1);
    assertThat(duplicate.err()).contains("error CONSTRAINT_VIOLATION");
    Run typo = run(new SqlCommand(), "-s", s, "-k", "alice", "SELEC 1");
    assertThat(typo.exit()).isEqualTo(1);
    assertThat(typo.err()).contains("error SQL_ERROR").contains("syntax error");
    // Nothing of the failed statements stayed.
    assertThat(run(new SqlCommand(), "-s", s, "-k", "alice", "SELECT v FROM cli_t").out()).containsPattern("(?m)^7 *$");
  }
}
