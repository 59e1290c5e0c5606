package io.shardlite.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.Value;
import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliArgumentsTest {

  @Test
  void everyCommandsHelpRendersWithoutFormatWarnings() {
    // picocli formats descriptions with String.format: a bare '%' prints a warning on every --help.
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      renderHelpOfAll(new CommandLine(new ShardliteCli()));
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("Could not format");
  }

  private static void renderHelpOfAll(CommandLine command) {
    assertThat(command.getUsageMessage()).isNotBlank();
    command.getSubcommands().values().forEach(CliArgumentsTest::renderHelpOfAll);
  }

  @Test
  void clusterBenchRunsServersWithC2ByDefaultAndRefusesAnUnknownJitMode() {
    ClusterBenchCommand bench = new ClusterBenchCommand();
    new CommandLine(bench).parseArgs();
    assertThat(bench.serverJit).isEqualTo(ClusterBenchCommand.ServerJit.c2);
    assertThat(ClusterBenchCommand.serverJvmOptions(ClusterBenchCommand.ServerJit.c2)).noneMatch(o -> o.startsWith("-XX:TieredStopAtLevel"))
        .contains("-XX:+UseSerialGC");
    assertThat(ClusterBenchCommand.serverJvmOptions(ClusterBenchCommand.ServerJit.c1)).contains("-XX:TieredStopAtLevel=1");
    assertClusterBenchRefuses("--server-jit", "c3");
  }

  @Test
  void clusterBenchMeasuresTheLocalDefaultAndOneShardPerServerAndRefusesAnEmptyShardCount() {
    ClusterBenchCommand bench = new ClusterBenchCommand();
    new CommandLine(bench).parseArgs();
    assertThat(bench.shardCounts).containsExactly(16, 3);
    new CommandLine(bench).parseArgs("--shards", "8");
    assertThat(bench.shardCounts).containsExactly(8);
    assertClusterBenchRefuses("--shards", "16,0");
  }

  @Test
  void clusterBenchComparesWithTheMeanOfSqliteTransfersBeforeAndAfterTheClusters() {
    var ycsb = run("sqlite-ycsb-a-uniform", 200_000);
    var after = run("sqlite-transfer", 8_000);
    var before = run(ClusterBenchCommand.SQLITE_TRANSFER_BEFORE, 10_000);
    assertThat(ClusterBenchCommand.sqliteTransferRates(List.of(ycsb, after, before))).containsExactly(8_000.0, 10_000.0);
    assertThat(ClusterBenchCommand.meanSqliteTransferRate(List.of(ycsb, after, before))).isEqualTo(9_000.0);
    assertThat(ClusterBenchCommand.meanSqliteTransferRate(List.of(ycsb, after))).isEqualTo(8_000.0);
    assertThat(ClusterBenchCommand.meanSqliteTransferRate(List.of(ycsb))).isNaN();
  }

  @Test
  void clusterBenchMeasuresEachWorkloadAtEveryLoadAndTakesTheHighestRateAsTheClustersCapacity() {
    ClusterBenchCommand bench = new ClusterBenchCommand();
    new CommandLine(bench).parseArgs();
    assertThat(bench.concurrency).containsExactly(1024, 2048);
    new CommandLine(bench).parseArgs("--concurrency", "64");
    assertThat(bench.concurrency).containsExactly(64);
    assertClusterBenchRefuses("--concurrency", "1024,0");

    var low16 = new ClusterBenchCommand.Measured(16, run("transfer-10pct-multi", 10_000, 1024), java.util.Map.of(), new double[2]);
    var high16 = new ClusterBenchCommand.Measured(16, run("transfer-10pct-multi", 14_000, 2048), java.util.Map.of(), new double[2]);
    var only3 = new ClusterBenchCommand.Measured(3, run("transfer-10pct-multi", 13_000, 1024), java.util.Map.of(), new double[2]);
    var byShards = ClusterBenchCommand.byShards(List.of(low16, only3, high16));
    assertThat(byShards.keySet()).containsExactly(16, 3);
    assertThat(ClusterBenchCommand.highestRate(byShards.get(16)).concurrency()).isEqualTo(2048);
    assertThat(ClusterBenchCommand.highestRate(byShards.get(3)).txPerSec()).isEqualTo(13_000.0);
  }

  /**
   * {@code bench cluster} with {@code args} is refused with picocli's usage exit code before any
   * process starts or any directory is made.
   */
  private static void assertClusterBenchRefuses(String... args) {
    CommandLine cli = new CommandLine(new ClusterBenchCommand());
    cli.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("--out", "/nonexistent/never-written"));
    assertThat(cli.execute(all.toArray(String[]::new))).as("exit code for %s", all).isEqualTo(2);
    assertThat(java.nio.file.Path.of("/nonexistent/never-written")).doesNotExist();
  }

  private static io.shardlite.client.bench.ClusterBench.Run run(String workload, double txPerSec) {
    return run(workload, txPerSec, 1);
  }

  private static io.shardlite.client.bench.ClusterBench.Run run(String workload, double txPerSec, int concurrency) {
    return new io.shardlite.client.bench.ClusterBench.Run(workload, concurrency, 10, (long) (txPerSec * 10), 0, 0, txPerSec,
        0.1, 0.2, 0.3, List.of());
  }

  @Test
  void localDefaultsToTheFullCluster() {
    LocalCommand local = new LocalCommand();
    new CommandLine(local).parseArgs();
    assertThat(local.sequencers).isEqualTo(3);
    assertThat(local.servers).isEqualTo(3);
    assertThat(local.shards).isEqualTo(16);
    assertThat(local.replicationFactor).isEqualTo(3);
    assertThat(local.vms).isEqualTo(2);
    assertThat(local.demo).isFalse();
    assertThat(local.demoSeconds).isEqualTo(5);
    assertThat(local.demoWarmupSeconds).isEqualTo(5);
    assertThat(local.demoClients).isEqualTo(16);
    assertThat(local.demoCrossBranch).isZero();
    assertThat(local.dataDir).isNull();
  }

  @Test
  void localTakesDemoAndSizingFlags() {
    LocalCommand local = new LocalCommand();
    new CommandLine(local).parseArgs("--demo", "--shards", "8", "--vms", "3", "--demo-seconds", "2",
        "--demo-cross-branch", "10", "--demo-warmup-seconds", "0", "--server-arg=--snapshot-threshold=500", "--server-arg=--x=1");
    assertThat(local.demo).isTrue();
    assertThat(local.shards).isEqualTo(8);
    assertThat(local.vms).isEqualTo(3);
    assertThat(local.demoSeconds).isEqualTo(2);
    assertThat(local.demoCrossBranch).isEqualTo(10);
    assertThat(local.demoWarmupSeconds).isZero();
    assertThat(local.serverArgs).containsExactly("--snapshot-threshold=500", "--x=1");
  }

  @Test
  void localRefusesImpossibleSettingsBeforeStartingAnything() throws Exception {
    LocalCommand rf = new LocalCommand();
    new CommandLine(rf).parseArgs("--servers", "2");
    assertThat(rf.call()).isEqualTo(2);
    LocalCommand cross = new LocalCommand();
    new CommandLine(cross).parseArgs("--demo-cross-branch", "101");
    assertThat(cross.call()).isEqualTo(2);
    LocalCommand warmup = new LocalCommand();
    new CommandLine(warmup).parseArgs("--demo-warmup-seconds", "-1");
    assertThat(warmup.call()).isEqualTo(2);
  }

  @Test
  void sqlTakesEndpointsKeyShardAndFollower() {
    SqlCommand sql = new SqlCommand();
    new CommandLine(sql).parseArgs("-s", "127.0.0.1:1,127.0.0.1:2", "--key", "branch-7", "--follower", "SELECT 1");
    assertThat(sql.server).isEqualTo("127.0.0.1:1,127.0.0.1:2");
    assertThat(sql.key).isEqualTo("branch-7");
    assertThat(sql.follower).isTrue();
    assertThat(sql.shard).isNull();
    assertThat(sql.sql).isEqualTo("SELECT 1");

    SqlCommand shell = new SqlCommand();
    new CommandLine(shell).parseArgs("-s", "h:1", "--shard", "3");
    assertThat(shell.shard).isEqualTo(3);
    assertThat(shell.key).isEmpty();
    assertThat(shell.follower).isFalse();
    assertThat(shell.sql).isNull();
  }

  @Test
  void sqlNeedsAnEndpoint() {
    assertThatThrownBy(() -> new CommandLine(new SqlCommand()).parseArgs("SELECT 1"))
        .isInstanceOf(CommandLine.MissingParameterException.class);
  }

  @Test
  void statusSplitsEndpointsAndRecognisesAVirtualMasterByItsAnswer() {
    StatusCommand status = new StatusCommand();
    new CommandLine(status).parseArgs("-s", "127.0.0.1:1,127.0.0.1:2");
    assertThat(status.servers).containsExactly("127.0.0.1:1", "127.0.0.1:2");
    assertThat(StatusCommand.unimplemented(ShardNodeClient.transportError(Status.UNIMPLEMENTED.asRuntimeException())))
        .isTrue();
    assertThat(StatusCommand.unimplemented(ShardNodeClient.transportError(Status.UNAVAILABLE.asRuntimeException())))
        .isFalse();
  }

  @Test
  void endpointsMustBeHostColonPort() {
    assertThatThrownBy(() -> Endpoints.connect("localhost", java.time.Duration.ofSeconds(1)))
        .hasMessageContaining("not host:port");
    assertThatThrownBy(() -> Endpoints.connect("localhost:x", java.time.Duration.ofSeconds(1)))
        .hasMessageContaining("numeric port");
  }

  @Test
  void tableFormatAlignsColumnsAndSaysWhatAWriteDid() {
    StatementResult rows = StatementResult.newBuilder().addColumns("branch").addColumns("total")
        .addRows(Row.newBuilder().addValues(v("branch-7")).addValues(v(8000L)))
        .addRows(Row.newBuilder().addValues(v("b")).addValues(Value.getDefaultInstance()))
        .build();
    assertThat(print(rows)).isEqualTo("""
        branch   | total
        ----------------
        branch-7 | 8000
        b        | NULL
        (2 rows)
        """);
    assertThat(print(StatementResult.newBuilder().setRowsAffected(2).setLastInsertRowid(5).build()))
        .isEqualTo("ok: 2 row(s) affected, last insert rowid 5\n");
    assertThat(print(StatementResult.newBuilder().setRowsAffected(3).build())).isEqualTo("ok: 3 row(s) affected\n");
  }

  private static Value v(Object o) {
    return o instanceof Long l ? Value.newBuilder().setInteger(l).build() : Value.newBuilder().setText(o.toString()).build();
  }

  private static String print(StatementResult r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TableFormat.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), r);
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
