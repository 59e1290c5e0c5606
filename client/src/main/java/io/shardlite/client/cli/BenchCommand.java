package io.shardlite.client.cli;

import io.shardlite.client.bench.BenchReport;
import io.shardlite.client.bench.MachineCpu;
import io.shardlite.client.bench.MetricsScrape;
import io.shardlite.client.bench.ShardWriteLoad;
import io.shardlite.client.bench.SqliteBaseline;
import io.shardlite.shard.launch.LocalShardCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shardlite bench}: reproducible benchmarks that write their results as JSON and Markdown. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark and record its results.",
    subcommands = {BenchCommand.ShardWrites.class, ClusterBenchCommand.class, SequencerBenchCommand.class})
final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return 2;
  }

  /**
   * {@code shardlite bench shard-writes}: replicated single-row write transactions against fresh
   * local clusters (one per group count), next to plain SQLite on the same disk in the same run.
   */
  @Command(name = "shard-writes", mixinStandardHelpOptions = true,
      description = "Replicated write transactions/s and latency of local shard clusters vs plain SQLite.")
  static final class ShardWrites implements Callable<Integer> {
    @Option(names = "--groups", split = ",", defaultValue = "1,8",
        description = "Shard group counts; a fresh cluster per count (default ${DEFAULT-VALUE}).")
    List<Integer> groups;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,16,64,1024,2048",
        description = "Closed-loop client counts (default ${DEFAULT-VALUE}: the issue's 1, 16 and 64, and where"
            + " group commit gets to when many clients share 8 groups).")
    List<Integer> concurrency;

    @Option(names = "--seconds", defaultValue = "8", description = "Measured seconds per data point (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "5", description = "Warm-up per cluster (default ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--out", defaultValue = "bench/results", description = "Results directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data-dir", description = "Parent of the temporary data directories (default: the system temp dir).")
    Path dataDir;

    @Option(names = "--servers", defaultValue = "3", description = "Shard servers (default ${DEFAULT-VALUE}).")
    int servers;

    @Option(names = "--replication-factor", defaultValue = "3", description = "Replicas per shard (default ${DEFAULT-VALUE}).")
    int replicationFactor;

    @Option(names = "--timeout-ms", defaultValue = "10000", description = "Per-write deadline (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    // Expert/experiment flags, hidden from the help.
    @Option(names = "--server-arg", hidden = true, description = "Extra flag for every shard server, repeatable.")
    List<String> serverArgs = new ArrayList<>();

    @Option(names = "--jvm-option", hidden = true, description = "Extra JVM option for every shard server, repeatable.")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--no-default-jvm-options", hidden = true, description = "Drop LocalShardCluster.defaultJvmOptions().")
    boolean noDefaultJvmOptions;

    @Option(names = "--route", defaultValue = "LEADER",
        description = "LEADER (send to the server hosting the shard's leader, as shardlite's virtual masters do;"
            + " default) or SPREAD (round-robin over servers: non-leaders forward to the leader).")
    ShardWriteLoad.Route route;

    @Option(names = "--skip-baseline", hidden = true, description = "Do not run the plain SQLite baseline.")
    boolean skipBaseline;

    @Option(names = "--keep-data", hidden = true, description = "Keep the temporary data directories (server logs).")
    boolean keepData;

    @Option(names = "--tag", hidden = true, description = "Suffix of the result file names (experiments).")
    String tag;

    private double backgroundCpu = Double.NaN;

    @Override
    public Integer call() throws Exception {
      if (replicationFactor > servers) {
        System.err.printf("replication factor %d needs at least %d servers%n", replicationFactor, replicationFactor);
        return 2;
      }
      if (groups.stream().anyMatch(g -> g < 1) || concurrency.stream().anyMatch(c -> c < 1) || seconds <= 0) {
        System.err.println("--groups and --concurrency must be positive, --seconds above 0");
        return 2;
      }
      PrintStream log = System.err;
      ZonedDateTime started = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS);
      MachineCpu idle0 = MachineCpu.sample();
      Thread.sleep(1000);
      backgroundCpu = MachineCpu.busyPercent(idle0, MachineCpu.sample());
      Path parent = dataDir != null ? Files.createDirectories(dataDir) : Path.of(System.getProperty("java.io.tmpdir"));
      Path base = Files.createTempDirectory(parent, "shardlite-bench-");
      List<String> serverJvm = new ArrayList<>(noDefaultJvmOptions ? List.of() : LocalShardCluster.defaultJvmOptions());
      serverJvm.addAll(jvmOptions);
      log.printf("bench shard-writes: data under %s, server JVM %s, server args %s, route %s%n", base, serverJvm,
          serverArgs, route);

      boolean ok = false;
      try {
        List<BenchReport.BaselineRun> baselines = new ArrayList<>();
        if (!skipBaseline) {
          Path sqliteDir = Files.createDirectories(base.resolve("sqlite-baseline"));
          for (String sync : List.of("FULL", "NORMAL")) {
            BenchReport.BaselineRun b = SqliteBaseline.run(sqliteDir, sync, seconds);
            log.printf("  sqlite WAL synchronous=%s: %.0f tx/s, p50 %.3f ms, p99 %.3f ms%n", sync, b.txPerSec(), b.p50Ms(),
                b.p99Ms());
            baselines.add(b);
          }
        }
        List<BenchReport.WriteRun> runs = new ArrayList<>();
        for (int g : groups) {
          runs.addAll(runCluster(base.resolve("groups-" + g), g, serverJvm, log));
        }
        BenchReport.Report report = new BenchReport.Report("shard-writes",
            started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), notes(serverJvm), facts(started, base), baselines, runs);
        String stamp = started.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT))
            + (tag == null || tag.isBlank() ? "" : "-" + tag.replaceAll("[^A-Za-z0-9._-]", "_"));
        Files.createDirectories(out);
        String markdown = BenchReport.markdown(report);
        Path md = out.resolve("shard-writes-" + stamp + ".md");
        Path json = out.resolve("shard-writes-" + stamp + ".json");
        Files.writeString(json, BenchReport.json(report), StandardCharsets.UTF_8);
        Files.writeString(md, markdown, StandardCharsets.UTF_8);
        System.out.print(markdown);
        log.printf("wrote %s and %s%n", json, md);
        ok = true;
        return runs.stream().anyMatch(r -> r.errors() > 0) ? 1 : 0;
      } finally {
        if (ok && !keepData) {
          deleteTree(base);
        } else {
          log.printf("data and server logs kept in %s%n", base);
        }
      }
    }

    private List<BenchReport.WriteRun> runCluster(Path dir, int g, List<String> serverJvm, PrintStream log)
        throws Exception {
      log.printf("groups %d: starting %d shard servers (replication factor %d) in %s%n", g, servers, replicationFactor, dir);
      LocalShardCluster cluster = new LocalShardCluster(dir, servers, g, replicationFactor, serverArgs, serverJvm);
      Thread hook = new Thread(cluster::close, "stop-bench-cluster");
      Runtime.getRuntime().addShutdownHook(hook);
      List<BenchReport.WriteRun> runs = new ArrayList<>();
      try {
        cluster.start();
        List<Integer> ports = cluster.nodes().stream().map(LocalShardCluster.Node::grpcPort).toList();
        log.printf("  servers up: %s%n", cluster.nodes().stream()
            .map(n -> n.id() + " pid " + n.pid() + " grpc " + n.grpcPort()).toList());
        try (ShardWriteLoad load = new ShardWriteLoad(ports, g, route, Duration.ofMillis(timeoutMs))) {
          load.createTables(Duration.ofSeconds(60));
          load.refreshLeaders();
          int warmC = concurrency.stream().max(Integer::compare).orElse(16);
          ShardWriteLoad.Result warm = load.run("warm", warmC, warmupSeconds);
          log.printf("  warm-up: %d clients, %.0f tx/s, %d errors %s%n", warmC,
              BenchReport.rate(warm.committed(), warm.elapsedSeconds()), warm.errors(), warm.errorsByCode());
          log.printf("  leaders (shard -> server index): %s%n", java.util.Arrays.toString(load.refreshLeaders()));
          List<Long> serverPids = cluster.nodes().stream().map(LocalShardCluster.Node::pid).toList();
          List<Integer> metricsPorts = cluster.nodes().stream().map(LocalShardCluster.Node::metricsPort).toList();
          long benchPid = ProcessHandle.current().pid();
          int cores = Runtime.getRuntime().availableProcessors();
          for (int c : concurrency) {
            MachineCpu before = MachineCpu.sample();
            double serverCpu0 = MachineCpu.processCpuSeconds(serverPids);
            double benchCpu0 = MachineCpu.processCpuSeconds(benchPid);
            double entries0 = MetricsScrape.sum(metricsPorts, MetricsScrape.SHARD_ENTRIES_APPLIED, false);
            ShardWriteLoad.Result r = load.run("c" + c, c, seconds);
            double entries = (MetricsScrape.sum(metricsPorts, MetricsScrape.SHARD_ENTRIES_APPLIED, false) - entries0) / replicationFactor;
            double machine = MachineCpu.busyPercent(before, MachineCpu.sample());
            double serverCpu = MachineCpu.processCpuSeconds(serverPids) - serverCpu0;
            double benchCpu = MachineCpu.processCpuSeconds(benchPid) - benchCpu0;
            double own = 100.0 * (serverCpu + benchCpu) / (r.elapsedSeconds() * cores);
            double perTx = r.committed() > 0 ? 1000.0 * serverCpu / r.committed() : Double.NaN;
            double[] l = BenchReport.latencySummaryMillis(r.latencyNanos());
            BenchReport.WriteRun w = new BenchReport.WriteRun(g, c, r.elapsedSeconds(), r.committed(), r.errors(),
                r.errorsByCode(), BenchReport.rate(r.committed(), r.elapsedSeconds()), l[0], l[1], l[2], machine, own,
                perTx, entries > 0 ? r.committed() / entries : Double.NaN);
            log.printf(Locale.ROOT, "  groups %d, concurrency %d: %.1f tx/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms,"
                    + " errors %d %s, CPU busy machine %.0f%% / bench %.0f%%, server CPU %.2f ms/tx, %.1f writes per"
                    + " Raft entry%n", g, c, w.txPerSec(), w.p50Ms(), w.p99Ms(), w.maxMs(), w.errors(), w.errorsByCode(),
                machine, own, perTx, w.writesPerEntry());
            runs.add(w);
          }
        }
      } finally {
        cluster.close();
        Runtime.getRuntime().removeShutdownHook(hook);
      }
      return runs;
    }

    private List<String> notes(List<String> serverJvm) {
      List<String> n = new ArrayList<>();
      n.add("Method: for each group count G, a fresh local cluster (" + servers + " shard servers as child JVMs on"
          + " 127.0.0.1, G shard groups, replication factor " + replicationFactor + ", one Apache Ratis group per shard);"
          + " a table on every shard; " + fmt(warmupSeconds) + " s warm-up; then, per concurrency C, C closed-loop"
          + " clients for " + fmt(seconds) + " s.");
      n.add("A transaction is one replicated write batch (committed on a majority's Raft log, then applied to SQLite)"
          + " holding one INSERT of a 100-byte TEXT row into a random shard of the G, with a unique tx_id; requests go "
          + (route == ShardWriteLoad.Route.SPREAD ? "round-robin to the servers' gRPC ports (a server that does not lead"
              + " the shard forwards to its leader)" : "to the server hosting the shard's leader")
          + ". tx/s counts committed writes; p50/p99 are exact over every committed write's latency; errors are"
          + " counted separately (a failing client pauses 5 ms).");
      n.add("Baseline: plain SQLite via sqlite-jdbc in the bench JVM, one writer, one connection, WAL, 1 row (100-byte"
          + " TEXT) per transaction, on the same disk (a directory next to the clusters' data), 1 s warm-up, "
          + fmt(seconds) + " s measured (as ../shared/peers/sqlite.sh's Java part).");
      n.add("CPU busy: share of all cores busy during the data point, for the whole machine (whatever ran, other users"
          + " included) and for this bench (shard servers + load generator); server CPU ms/tx: the shard servers' CPU"
          + " time during the point per committed write; writes per Raft entry: committed writes divided by the entries"
          + " the shard groups applied during the point (all replicas' count over the replication factor), i.e. how"
          + " much group commit batched.");
      return n;
    }

    private Map<String, String> facts(ZonedDateTime started, Path base) {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("date", started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
      f.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
      f.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
      f.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
      if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
        f.put("memory", String.format(Locale.ROOT, "%.1f GiB", os.getTotalMemorySize() / (double) (1L << 30)));
      }
      try {
        FileStore store = Files.getFileStore(base);
        f.put("disk", base.getParent() + " on " + store.name() + " (" + store.type() + ")");
      } catch (IOException e) {
        f.put("disk", base.getParent().toString());
      }
      f.put("sqlite", SqliteBaseline.sqliteVersion() + " via sqlite-jdbc " + SqliteBaseline.driverVersion());
      f.put("machine CPU busy before the run (other load)", Double.isNaN(backgroundCpu) ? "n/a"
          : String.format(Locale.ROOT, "%.0f%%", backgroundCpu));
      f.put("shardlite", "0.1.0 (Apache Ratis " + ratisVersion() + ")");
      f.put("servers x replication factor", servers + " x " + replicationFactor);
      f.put("server JVM options", String.join(" ", serverJvmOptions()));
      f.put("server extra args", serverArgs.isEmpty() ? "(none)" : String.join(" ", serverArgs));
      f.put("route", route.name());
      return f;
    }

    private List<String> serverJvmOptions() {
      List<String> o = new ArrayList<>(noDefaultJvmOptions ? List.of() : LocalShardCluster.defaultJvmOptions());
      o.addAll(jvmOptions);
      return o;
    }

    private static String ratisVersion() {
      String v = org.apache.ratis.server.RaftServer.class.getPackage().getImplementationVersion();
      return v != null ? v : "?";
    }

    private static String fmt(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static void deleteTree(Path root) {
      try (Stream<Path> paths = Files.walk(root)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> {
          try {
            Files.deleteIfExists(p);
          } catch (IOException ignored) {
            // best effort
          }
        });
      } catch (IOException ignored) {
        // best effort
      }
    }
  }
}
