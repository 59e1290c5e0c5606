package io.shardlite.client.cli;

import io.shardlite.client.bench.BenchReport;
import io.shardlite.client.bench.ClusterBench;
import io.shardlite.client.bench.MachineCpu;
import io.shardlite.client.bench.MetricsScrape;
import io.shardlite.client.bench.SqliteWorkloads;
import io.shardlite.common.client.ShardliteClient;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardlite bench cluster}: the whole cluster (3 sequencer replicas, 3 shard servers, 2
 * virtual masters on loopback) under YCSB-style workload A and bank transfers with 0/10/50%
 * multi-shard transactions, next to plain SQLite (one writer, synchronous=FULL) on the same
 * operations and, when its script is available, dqlite (3 voters on loopback), in the same run.
 * Each shard count given is its own cluster: by default the local cluster's 16 shards and one shard
 * per server, since per-group costs (a Raft log, threads and a lane per shard) decide small machines.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Whole-cluster tx/s and latency (YCSB-A, transfers) vs plain SQLite and dqlite, same run.")
final class ClusterBenchCommand implements Callable<Integer> {
  @Option(names = "--shards", split = ",", defaultValue = "16,3",
      description = "Shard counts, one cluster each, measured one after the other (default ${DEFAULT-VALUE}: the local"
          + " cluster's default and one shard per server).")
  List<Integer> shardCounts;

  @Option(names = "--vms", defaultValue = "2", description = "Virtual masters (default ${DEFAULT-VALUE}).")
  int vms;

  // A closed loop commits (transactions in flight) / latency: below the cluster's capacity it
  // measures latency, not throughput. At 64 in flight the clusters idled between round trips; at
  // 1,024 (every committed result from 2026-12-03 to 2026-12-07) the lanes' entries were still
  // small enough that 2,048 committed 40% more at 16 shards and 10% multi-shard (14,091.9 /
  // 14,468.5 against 10,041.8 / 10,015.1 tx/s, alternating). So every workload runs at each load
  // given, and a cluster's capacity is the most it committed at any of them.
  @Option(names = "--concurrency", split = ",", defaultValue = "1024,2048",
      description = "Transactions in flight, one measurement of each workload per value (default ${DEFAULT-VALUE}).")
  List<Integer> concurrency;

  @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per workload (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--warmup-seconds", defaultValue = "3", description = "Warm-up per workload (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  // C2 by default: after 240 s of warm-up the servers spent 1.73 / 1.64 ms of CPU per transaction
  // against 2.23 / 2.15 with C1 only (10% multi-shard 1,074 / 1,155 vs 848 / 932 tx/s, two
  // alternating pairs); after 90 s C2 was still compiling and slower (617 vs 973 tx/s). 420 s,
  // not 240: jstat -compiler of a shard server under this load showed its compile time still
  // rising 7 s per 35 s at 230 s (207 s in all) and about 1 s per 35 s after 330 s.
  @Option(names = "--server-jit", defaultValue = "c2",
      description = "How the server JVMs compile: c2 = the JVM's default tiers, measured after a long warm-up (the"
          + " steady state of long-running servers); c1 = -XX:TieredStopAtLevel=1 (the local cluster's setting: fast"
          + " to warm up, slower once warm) (default ${DEFAULT-VALUE}).")
  ServerJit serverJit;

  /** How the server JVMs compile, and the warm-up each needs before it is measured. */
  enum ServerJit {
    c1(60), c2(420);

    final int warmupSeconds;

    ServerJit(int warmupSeconds) {
      this.warmupSeconds = warmupSeconds;
    }
  }

  // At least 60 s: this JVM (the load generator) compiles with C2, which after 10 s still took a
  // tenth of the machine's CPU (0.56-0.59 vs 0.18-0.26 ms per transaction after 60-90 s).
  @Option(names = "--jit-warmup-seconds", defaultValue = "-1",
      description = "Unmeasured transfers (10%% multi-shard) before the first workload, so no workload meets JVMs still"
          + " compiling (default: 420 with --server-jit c2, 60 with c1).")
  double jitWarmupSeconds;

  /** The warm-up given, or the one the JIT mode needs. */
  private double jitWarmup() {
    return jitWarmupSeconds >= 0 ? jitWarmupSeconds : serverJit.warmupSeconds;
  }

  @Option(names = "--records", defaultValue = "10000", description = "YCSB records (default ${DEFAULT-VALUE}).")
  int records;

  @Option(names = "--accounts", defaultValue = "2000", description = "Bank accounts (default ${DEFAULT-VALUE}).")
  int accounts;

  @Option(names = "--dqlite-script", defaultValue = "../shared/peers/dqlite.sh",
      description = "The team's dqlite peer script (installs dqlite from Debian when run); '-' skips dqlite (default ${DEFAULT-VALUE}).")
  String dqliteScript;

  @Option(names = "--out", defaultValue = "bench/results", description = "Results directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--workloads", split = ",", hidden = true,
      defaultValue = "ycsb-uniform,ycsb-zipfian,transfer-0,transfer-10,transfer-50",
      description = "Workloads to run (experiments): ycsb-uniform, ycsb-zipfian, transfer-<multi-shard percent>.")
  List<String> workloads;

  @Option(names = "--skip-baselines", hidden = true, description = "Do not run plain SQLite and dqlite (experiments).")
  boolean skipBaselines;

  @Option(names = "--jvm-option", hidden = true,
      description = "JVM option for every server process, repeatable; replaces the small-machine defaults (experiments).")
  List<String> jvmOptions = new ArrayList<>();

  @Option(names = "--shard-server-arg", hidden = true,
      description = "Extra argument for every shard server, repeatable, e.g. --ratis-property=KEY=VALUE (experiments).")
  List<String> shardServerArgs = new ArrayList<>();

  @Option(names = "--sequencer-arg", hidden = true,
      description = "Extra argument for every sequencer replica, repeatable (experiments).")
  List<String> sequencerArgs = new ArrayList<>();

  @Option(names = "--vm-arg", hidden = true, description = "Extra argument for every virtual master, repeatable (experiments).")
  List<String> vmArgs = new ArrayList<>();

  /**
   * One workload measured on one cluster: its shard count, the run, CPU milliseconds per committed
   * transaction by process role (over warm-up and measurement) and Raft entries per committed
   * transaction {shard groups, sequencer}.
   */
  record Measured(int shards, ClusterBench.Run run, Map<String, Double> cpuMsPerTx, double[] entriesPerTx) {}

  @Override
  public Integer call() throws Exception {
    for (String w : workloads) {
      if (!w.equals("ycsb-uniform") && !w.equals("ycsb-zipfian") && !w.matches("transfer-([0-9]|[1-9][0-9]|100)")) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "unknown workload '" + w + "' (ycsb-uniform, ycsb-zipfian, transfer-<0..100>)");
      }
    }
    if (concurrency.stream().anyMatch(c -> c < 1)) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--concurrency takes transaction counts of at least 1, got " + concurrency);
    }
    for (int n : shardCounts) {
      if (n < 1) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "--shards takes shard counts of at least 1, got " + n);
      }
    }
    String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = Files.createTempDirectory("shardlite-bench-cluster-");
    List<Measured> runs = new ArrayList<>();
    // SQLite FULL is bound by the disk's flushes, whose speed drifts over minutes on a shared
    // machine (5,400-10,100 transfers/s in past runs): its transfers run before the clusters and
    // again after them, and the target compares against their mean, both shown.
    ClusterBench.Run sqliteBefore = null;
    if (!skipBaselines) {
      System.out.println("plain SQLite transfers before the clusters (again after them)...");
      sqliteBefore = print(renamed(SqliteWorkloads.transfers(dir.resolve("sqlite-before"), accounts, warmupSeconds, seconds),
          SQLITE_TRANSFER_BEFORE));
    }
    MachineCpu cpu0 = MachineCpu.sample();
    for (int shards : shardCounts) {
      runs.addAll(measureCluster(dir.resolve("cluster-" + shards), shards));
    }
    double clusterCpu = MachineCpu.busyPercent(cpu0, MachineCpu.sample());
    List<ClusterBench.Run> sqlite = new ArrayList<>();
    Map<String, String> dqlite = new LinkedHashMap<>();
    if (skipBaselines) {
      dqlite.put("dqlite", "not run: skipped by --skip-baselines");
    } else {
      System.out.println("plain SQLite (one writer, WAL, synchronous=FULL), same operations...");
      sqlite.add(print(SqliteWorkloads.ycsbA(dir.resolve("sqlite"), records, warmupSeconds, seconds)));
      sqlite.add(print(SqliteWorkloads.transfers(dir.resolve("sqlite"), accounts, warmupSeconds, seconds)));
      sqlite.add(sqliteBefore);
      dqlite = dqlite();
    }
    dqlite.forEach((k, v) -> System.out.println(k + ": " + v));
    deleteTree(dir);

    Files.createDirectories(out);
    String base = "cluster-" + started;
    Files.writeString(out.resolve(base + ".json"), json(started, runs, sqlite, dqlite, clusterCpu));
    Files.writeString(out.resolve(base + ".md"), markdown(started, runs, sqlite, dqlite, clusterCpu));
    System.out.println("wrote " + out.resolve(base + ".md"));
    return 0;
  }

  /** Starts one cluster of {@code shards} shards, warms it up and measures every workload on it. */
  private List<Measured> measureCluster(Path dir, int shards) throws Exception {
    List<String> jvm = jvmOptions.isEmpty() ? serverJvmOptions(serverJit) : List.copyOf(jvmOptions);
    List<Measured> runs = new ArrayList<>();
    try (LocalSequencerCluster sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 3, shards, sequencerArgs, jvm).start();
        LocalShardCluster shardServers = new LocalShardCluster(dir.resolve("shards"), 3, shards, 3, shardServerArgs, jvm).start();
        LocalVmCluster vmCluster = new LocalVmCluster(dir.resolve("vms"), vms, sequencer.endpoints(),
            shardServers.endpoints(), shards, vmArgs, jvm).start();
        // Replies complete on the transport threads: the load generator's continuations never block.
        ShardliteClient client = new ShardliteClient(vmCluster.endpoints(), Duration.ofSeconds(30), true)) {
      ClusterBench bench = new ClusterBench(client, shards, records, accounts);
      System.out.printf("loading %d records and %d accounts over %d shards...%n", records, accounts, shards);
      bench.load();
      if (jitWarmup() > 0) {
        // Freshly started JVMs run interpreted code: without this the first workload measured
        // ~30% below the same workload measured later in the run.
        // Both kinds of workload: after transfers alone, the first YCSB run (reads) still measured
        // its code paths compiling (load generator 0.40 vs 0.13 ms per transaction on the next one).
        System.out.printf("warming up the JVMs for %.0f s (not measured)...%n", jitWarmup());
        int most = concurrency.stream().max(Integer::compare).orElseThrow();
        if (workloads.stream().anyMatch(w -> w.startsWith("ycsb-"))) {
          bench.ycsbA(false, most, 0, jitWarmup() / 3);
          bench.transfers(10, most, 0, jitWarmup() * 2 / 3);
        } else {
          bench.transfers(10, most, 0, jitWarmup());
        }
      }
      Map<String, List<Long>> roles = new LinkedHashMap<>();
      roles.put("sequencer", sequencer.replicas().stream().map(LocalSequencerCluster.Replica::pid).toList());
      roles.put("shard servers", shardServers.nodes().stream().map(LocalShardCluster.Node::pid).toList());
      roles.put("virtual masters", vmCluster.vms().stream().map(LocalVmCluster.Vm::pid).toList());
      roles.put("load generator", List.of(ProcessHandle.current().pid()));
      List<Integer> shardMetrics = shardServers.nodes().stream().map(LocalShardCluster.Node::metricsPort).toList();
      List<Integer> sequencerMetrics = sequencer.replicas().stream().map(LocalSequencerCluster.Replica::metricsPort).toList();
      List<Integer> vmMetrics = vmCluster.vms().stream().map(LocalVmCluster.Vm::metricsPort).toList();
      for (String w : workloads) {
        for (int inFlight : concurrency) {
          runs.add(measureWorkload(bench, shards, w, inFlight, roles, shardMetrics, sequencerMetrics, vmMetrics));
        }
      }
    }
    return runs;
  }

  /** Measures workload {@code w} at {@code inFlight} transactions in flight and prints where its time and CPU went. */
  private Measured measureWorkload(ClusterBench bench, int shards, String w, int inFlight, Map<String, List<Long>> roles,
      List<Integer> shardMetrics, List<Integer> sequencerMetrics, List<Integer> vmMetrics) {
    Map<String, Double> cpuBefore = cpuByRole(roles);
    double[] entriesBefore = raftEntries(shardMetrics, sequencerMetrics);
    List<String> vmsBefore = MetricsScrape.expositions(vmMetrics); // one scrape per VM, read for every figure
    long startNanos = System.nanoTime();
    ClusterBench.Run r = print(w.startsWith("ycsb-") ? bench.ycsbA(w.equals("ycsb-zipfian"), inFlight, warmupSeconds, seconds)
        : bench.transfers(Integer.parseInt(w.substring("transfer-".length())), inFlight, warmupSeconds, seconds));
    double wall = (System.nanoTime() - startNanos) / 1e9;
    Map<String, Double> cpuAfter = cpuByRole(roles);
    Map<String, Double> msPerTx = new LinkedHashMap<>();
    cpuAfter.forEach((role, cpu) -> msPerTx.put(role, (cpu - cpuBefore.get(role)) / wall / r.txPerSec() * 1000));
    double[] entriesAfter = raftEntries(shardMetrics, sequencerMetrics);
    // Both counters cover warm-up and measurement, as the CPU figures do.
    double txs = r.txPerSec() * wall;
    double[] entries = {(entriesAfter[0] - entriesBefore[0]) / txs, (entriesAfter[1] - entriesBefore[1]) / txs};
    System.out.println("  CPU ms per transaction by role: " + format(msPerTx) + String.format(Locale.ROOT,
        "; Raft entries per transaction: shard groups %.2f, sequencer %.2f", entries[0], entries[1]));
    // Errors the virtual masters answered (the client retries the retryable ones): where work is wasted.
    List<String> vmsAfter = MetricsScrape.expositions(vmMetrics);
    System.out.println("  errors answered by the virtual masters (retried by the client where safe): "
        + grownByLabels(vmsBefore, vmsAfter, "shardlite_vm_errors_total"));
    System.out.println("  attempts the virtual masters repeated themselves, by error code: "
        + grownByLabels(vmsBefore, vmsAfter, "shardlite_vm_retries_total"));
    Map<String, Double> multiBefore = multiShardFigures(vmsBefore);
    Map<String, Double> multi = multiShardFigures(vmsAfter);
    multi.replaceAll((k, v) -> v - multiBefore.getOrDefault(k, 0.0));
    String phases = phaseMeans(multi);
    if (!phases.isEmpty()) {
      System.out.println("  multi-shard coordinator phases, mean ms: " + phases);
      System.out.println("  lane holds by end: " + holdEnds(multi) + String.format(Locale.ROOT, ", mean hold %.1f ms",
          1000 * multi.getOrDefault("hold_sum", 0.0) / Math.max(1, multi.getOrDefault("hold_count", 0.0))));
      double lateCount = multi.getOrDefault("lane count phase=\"prepare_late\"", 0.0);
      System.out.printf(Locale.ROOT, "  late prepares (writes of a lane waited for a part named before them): %d, mean"
          + " %.1f ms%n", Math.round(lateCount),
          1000 * multi.getOrDefault("lane sum phase=\"prepare_late\"", 0.0) / Math.max(1, lateCount));
    }
    String lanePhases = lanePhaseMeans(multi);
    if (!lanePhases.isEmpty()) {
      System.out.println("  lane phases of write groups, mean ms: " + lanePhases);
      System.out.println("  stack drains by cause: " + labelled(multi, "drains cause"));
      System.out.println("  lane entries by pacing verdict (paused after them, or why not): "
          + labelled(multi, "pacing verdict"));
    }
    return new Measured(shards, r, msPerTx, entries);
  }

  /** The local cluster's small-machine JVM options, with C2 left on for {@code c2}. */
  static List<String> serverJvmOptions(ServerJit jit) {
    return LocalShardCluster.defaultJvmOptions().stream()
        .filter(o -> jit == ServerJit.c1 || !o.startsWith("-XX:TieredStopAtLevel="))
        .toList();
  }

  /** How the results describe the server JVMs' compilation and warm-up. */
  private String jitDescription() {
    String mode = !jvmOptions.isEmpty() ? "options given with --jvm-option"
        : serverJit == ServerJit.c2 ? "C1 and C2 (the JVM's default tiers)" : "C1 only (-XX:TieredStopAtLevel=1)";
    return String.format(Locale.ROOT, "server JVMs: %s, after %.0f s of unmeasured load", mode, jitWarmup());
  }

  /** How much each labelled series of {@code metric} grew between two scrapes; unchanged ones left out. */
  private static Map<String, Double> grownByLabels(List<String> before, List<String> after, String metric) {
    Map<String, Double> was = MetricsScrape.byLabelsIn(before, metric);
    Map<String, Double> grown = MetricsScrape.byLabelsIn(after, metric);
    grown.replaceAll((labels, n) -> n - was.getOrDefault(labels, 0.0));
    grown.values().removeIf(n -> n == 0);
    return grown;
  }

  /** The virtual masters' multi-shard counters in their scrapes: phase sums and counts, hold ends, hold time. */
  private static Map<String, Double> multiShardFigures(List<String> vms) {
    Map<String, Double> f = new LinkedHashMap<>();
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_multi_phase_seconds_sum").forEach((l, v) -> f.put("sum " + l, v));
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_multi_phase_seconds_count").forEach((l, v) -> f.put("count " + l, v));
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_multi_phase_seconds_bucket").forEach((l, v) -> {
      if (l.endsWith("le=\"2.0\"")) {
        f.put("within2s " + l.substring(0, l.indexOf(",le=")), v);
      }
    });
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_lane_holds_total").forEach((l, v) -> f.put("end " + l, v));
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_stack_drains_total").forEach((l, v) -> f.put("drains " + l, v));
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_lane_pacing_total").forEach((l, v) -> f.put("pacing " + l, v));
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_lane_phase_seconds_sum").forEach((l, v) -> f.put("lane sum " + l, v));
    MetricsScrape.byLabelsIn(vms, "shardlite_vm_lane_phase_seconds_count").forEach((l, v) -> f.put("lane count " + l, v));
    f.put("hold_sum", MetricsScrape.sumIn(vms, "shardlite_vm_lane_hold_seconds_sum"));
    f.put("hold_count", MetricsScrape.sumIn(vms, "shardlite_vm_lane_hold_seconds_count"));
    return f;
  }

  private static String phaseMeans(Map<String, Double> multi) {
    StringBuilder sb = new StringBuilder();
    for (String phase : List.of("lsn", "prepare", "decide", "resolve")) {
      String label = "phase=\"" + phase + "\"";
      double n = multi.getOrDefault("count " + label, 0.0);
      if (n > 0) {
        sb.append(sb.length() == 0 ? "" : ", ").append(phase)
            .append(String.format(Locale.ROOT, " %.1f", 1000 * multi.getOrDefault("sum " + label, 0.0) / n));
        long slow = Math.round(n - multi.getOrDefault("within2s " + label, n));
        if (slow > 0) {
          sb.append(" (").append(slow).append(" over 2 s)");
        }
      }
    }
    return sb.toString();
  }

  /**
   * Where a single-shard write's time goes in its lane: per group queue, lsn, wait and propose;
   * per write answer_held (only the writes applied above undecided speculative parts, counted);
   * drain (how often and how long parts waited for the stack to drain).
   */
  private static String lanePhaseMeans(Map<String, Double> multi) {
    StringBuilder sb = new StringBuilder();
    for (String phase : List.of("queue", "lsn", "wait", "propose", "answer_held", "drain", "pause")) {
      String label = "phase=\"" + phase + "\"";
      double n = multi.getOrDefault("lane count " + label, 0.0);
      if (n == 0) {
        continue;
      }
      double seconds = multi.getOrDefault("lane sum " + label, 0.0);
      sb.append(sb.length() == 0 ? "" : ", ").append(phase).append(String.format(Locale.ROOT, " %.1f", 1000 * seconds / n));
      if (phase.equals("answer_held")) {
        sb.append(String.format(Locale.ROOT, " (%d writes)", Math.round(n)));
      } else if (phase.equals("pause")) {
        sb.append(String.format(Locale.ROOT, " (%d entries)", Math.round(n)));
      } else if (phase.equals("drain")) {
        sb.append(String.format(Locale.ROOT, " (%d, %.1f s in all)", Math.round(n), seconds));
      }
    }
    return sb.toString();
  }

  private static Map<String, Long> holdEnds(Map<String, Double> multi) {
    return labelled(multi, "end end");
  }

  /** The figures keyed {@code <prefix>="<value>"}, by value, rounded; zeros left out. */
  private static Map<String, Long> labelled(Map<String, Double> multi, String prefix) {
    Map<String, Long> byValue = new LinkedHashMap<>();
    multi.forEach((k, v) -> {
      if (k.startsWith(prefix + "=\"") && v > 0) {
        byValue.put(k.substring(prefix.length() + 2, k.length() - 1), Math.round(v));
      }
    });
    return byValue;
  }

  /** {entries applied by all shard groups (one replica's count each), the sequencer's applied index}. */
  private static double[] raftEntries(List<Integer> shardMetrics, List<Integer> sequencerMetrics) {
    return new double[] {MetricsScrape.sum(shardMetrics, MetricsScrape.SHARD_ENTRIES_APPLIED, false) / 3,
        MetricsScrape.sum(sequencerMetrics, "shardlite_sequencer_applied_index", true)};
  }

  private static Map<String, Double> cpuByRole(Map<String, List<Long>> roles) {
    Map<String, Double> cpu = new LinkedHashMap<>();
    roles.forEach((role, pids) -> cpu.put(role, MachineCpu.processCpuSeconds(pids)));
    return cpu;
  }

  private static String format(Map<String, Double> msPerTx) {
    List<String> parts = new ArrayList<>();
    msPerTx.forEach((role, ms) -> parts.add(String.format(Locale.ROOT, "%s %.2f", role, ms)));
    return String.join(", ", parts);
  }

  private static ClusterBench.Run print(ClusterBench.Run r) {
    System.out.printf(Locale.ROOT, "%-26s c=%-4d %9.1f tx/s  p50 %7.2f ms  p99 %7.2f ms  p999 %7.2f ms  (refused %d, failed %d)%n",
        r.workload(), r.concurrency(), r.txPerSec(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.refused(), r.failed());
    String slow = BenchReport.slowSeconds(r.worstMsBySecond(), 4 * r.p50Ms());
    if (!slow.isEmpty()) {
      System.out.println("  seconds (by when sent) whose slowest transaction took over 4x the p50: " + slow);
    }
    return r;
  }

  /** Runs the peer script (w=1/16/64 kvwrite on 3 voters) and keeps its writes/s lines. */
  private Map<String, String> dqlite() {
    Map<String, String> result = new LinkedHashMap<>();
    Path script = Path.of(dqliteScript);
    if (dqliteScript.equals("-") || !Files.isRegularFile(script)) {
      result.put("dqlite", "not run: " + (dqliteScript.equals("-") ? "skipped by --dqlite-script -" : "no script at " + script));
      return result;
    }
    try {
      ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
      pb.environment().put("RUNS", "1");
      pb.environment().put("DEMO", "0");
      pb.environment().put("SECS", Long.toString(Math.max(3, Math.round(seconds))));
      System.out.println("dqlite peer script (installs dqlite from Debian if missing)...");
      Process p = pb.start();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          int colon = line.indexOf(": ");
          if (line.startsWith("dqlite_bench_kvwrite_") && line.contains("writes_per_s") && colon > 0) {
            result.put(line.substring(0, colon), line.substring(colon + 2));
          }
        }
      }
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        result.put("dqlite", "not finished within 10 minutes");
      } else if (p.exitValue() != 0) {
        result.put("dqlite", "script failed with exit code " + p.exitValue());
      }
    } catch (Exception e) {
      result.put("dqlite", "not run: " + e);
    }
    return result;
  }

  static double dqliteRate(Map<String, String> dqlite, int workers) {
    String v = dqlite.get("dqlite_bench_kvwrite_w" + workers + "_writes_per_s");
    if (v == null) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(v.split(" ")[0]);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private String markdown(String started, List<Measured> runs, List<ClusterBench.Run> sqlite,
      Map<String, String> dqlite, double cpu) {
    StringBuilder md = new StringBuilder();
    md.append("# Whole-cluster benchmark ").append(started).append("\n\n");
    md.append(String.format(Locale.ROOT, "`shardlite bench cluster`: 3 sequencer replicas, 3 shard servers (%s shards, "
        + "replication factor 3; one cluster per shard count, measured one after the other), %d virtual masters, all on "
        + "127.0.0.1 of one machine (%d cores); closed loop through the Java client, each workload with %s transactions "
        + "in flight; %.0f s measured after %.0f s warm-up per workload and load; machine CPU busy during the cluster part: "
        + "%.0f%%; %s.%n%n",
        String.join(" and ", shardCounts.stream().map(String::valueOf).toList()), vms,
        Runtime.getRuntime().availableProcessors(), String.join(" and ", concurrency.stream().map(String::valueOf).toList()),
        seconds, warmupSeconds, cpu, jitDescription()));
    md.append("| shards | in flight | workload | tx/s | p50 ms | p99 ms | p999 ms | refused | failed |\n"
        + "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Measured m : runs) {
      md.append("| ").append(m.shards()).append(" | ").append(m.run().concurrency()).append(' ').append(row(m.run()));
    }
    md.append("\nCPU milliseconds per committed transaction by process role (each role's CPU time over the workload's "
        + "warm-up and measurement, divided by its wall time and by the measured tx/s):\n\n| shards | in flight | workload | ");
    List<String> roleNames = runs.stream().findFirst().map(m -> List.copyOf(m.cpuMsPerTx().keySet())).orElse(List.of());
    md.append(String.join(" | ", roleNames)).append(" | total | shard Raft entries per tx | sequencer Raft entries per tx |\n")
        .append("| ---: | ---: | --- |").append(" ---: |".repeat(roleNames.size() + 3)).append('\n');
    for (Measured m : runs) {
      md.append("| ").append(m.shards()).append(" | ").append(m.run().concurrency()).append(" | ")
          .append(m.run().workload()).append(" | ");
      m.cpuMsPerTx().values().forEach(ms -> md.append(String.format(Locale.ROOT, "%.2f | ", ms)));
      md.append(String.format(Locale.ROOT, "%.2f | %.2f | %.2f |%n",
          m.cpuMsPerTx().values().stream().mapToDouble(Double::doubleValue).sum(), m.entriesPerTx()[0], m.entriesPerTx()[1]));
    }
    md.append("\nPlain SQLite in this JVM, one connection (one writer), WAL, synchronous=FULL, same operations:\n\n");
    md.append("| workload | tx/s | p50 ms | p99 ms | p999 ms | refused | failed |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (ClusterBench.Run r : sqlite) {
      md.append(row(r));
    }
    md.append("\ndqlite (3 voters on loopback, `dqlite-benchmark` kvwrite: one-row INSERT OR REPLACE per transaction, "
        + "through the team's peer script, same run):\n\n");
    dqlite.forEach((k, v) -> md.append("- `").append(k).append("`: ").append(v).append('\n'));
    List<Measured> tenPct = runs.stream().filter(m -> m.run().workload().startsWith("transfer-10pct")).toList();
    if (tenPct.isEmpty() || sqlite.isEmpty()) {
      md.append("\nTarget not evaluated: this run left out the 10% multi-shard transfers or the baselines.\n");
      return md.toString();
    }
    List<Double> transferRates = sqliteTransferRates(sqlite);
    double sqliteTransfer = meanSqliteTransferRate(sqlite);
    double dq = Double.isNaN(dqliteRate(dqlite, 64)) ? dqliteRate(dqlite, 1) : Math.max(dqliteRate(dqlite, 1), dqliteRate(dqlite, 64));
    md.append(String.format(Locale.ROOT, "%n## Target (issue: at 10%% multi-shard, >= 3x dqlite and >= plain SQLite FULL)%n%n"));
    md.append("A cluster's rate is the most it committed at any of the loads measured (a closed loop below capacity "
        + "measures latency); dqlite's is its best kvwrite rate over its worker counts; SQLite FULL has one writer.\n\n");
    for (Map.Entry<Integer, List<ClusterBench.Run>> e : byShards(tenPct).entrySet()) {
      ClusterBench.Run best = highestRate(e.getValue());
      double tps = best.txPerSec();
      String loads = e.getValue().stream().map(r -> String.format(Locale.ROOT, "%.1f at %d", r.txPerSec(), r.concurrency()))
          .collect(java.util.stream.Collectors.joining(", "));
      md.append(String.format(Locale.ROOT, "- %d shards: transfers at 10%% multi-shard %.1f tx/s (%d in flight; by load: "
          + "%s); vs plain SQLite FULL transfers %.3fx (%s); vs dqlite's best kvwrite rate %s%n", e.getKey(), tps,
          best.concurrency(), loads, tps / sqliteTransfer, tps >= sqliteTransfer ? "met" : "NOT met",
          Double.isNaN(dq) ? "not measured in this run"
              : String.format(Locale.ROOT, "%.3fx (%s)", tps / dq, tps >= 3 * dq ? "met" : "NOT met")));
    }
    md.append(String.format(Locale.ROOT, "%nSQLite FULL transfers: %s tx/s (after the clusters%s), mean %.1f.%n",
        transferRates.stream().map(r -> String.format(Locale.ROOT, "%.1f", r)).collect(java.util.stream.Collectors.joining(" and ")),
        transferRates.size() > 1 ? ", then before them" : "", sqliteTransfer));
    md.append("\nNotes: dqlite's figure is a simpler operation (one row, one statement) than a transfer; the SQLite "
        + "baseline runs in one process with no network and no replication. Ratios, not absolute numbers, are comparable "
        + "across runs on this shared machine.\n");
    return md.toString();
  }

  /** The runs of each shard count, in shard-count order of first appearance. */
  static Map<Integer, List<ClusterBench.Run>> byShards(List<Measured> runs) {
    Map<Integer, List<ClusterBench.Run>> by = new LinkedHashMap<>();
    runs.forEach(m -> by.computeIfAbsent(m.shards(), k -> new ArrayList<>()).add(m.run()));
    return by;
  }

  /** The run that committed the most per second: a cluster's capacity among the loads measured. */
  static ClusterBench.Run highestRate(List<ClusterBench.Run> runs) {
    return runs.stream().max(java.util.Comparator.comparingDouble(ClusterBench.Run::txPerSec)).orElseThrow();
  }

  /** The workload name of the SQLite FULL transfers measured before the clusters. */
  static final String SQLITE_TRANSFER_BEFORE = "sqlite-transfer-before-clusters";

  /** SQLite FULL's transfer rates of this run (after the clusters, then before them when measured). */
  static List<Double> sqliteTransferRates(List<ClusterBench.Run> sqlite) {
    return sqlite.stream().filter(r -> r.workload().startsWith("sqlite-transfer")).map(ClusterBench.Run::txPerSec).toList();
  }

  /** What the target compares against: the mean of SQLite FULL's transfer rates (NaN when none ran). */
  static double meanSqliteTransferRate(List<ClusterBench.Run> sqlite) {
    return sqliteTransferRates(sqlite).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private static ClusterBench.Run renamed(ClusterBench.Run r, String workload) {
    return new ClusterBench.Run(workload, r.concurrency(), r.seconds(), r.committed(), r.refused(), r.failed(),
        r.txPerSec(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.worstMsBySecond());
  }

  private static String row(ClusterBench.Run r) {
    return String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.2f | %.2f | %d | %d |%n", r.workload(), r.txPerSec(),
        r.p50Ms(), r.p99Ms(), r.p999Ms(), r.refused(), r.failed());
  }

  private String json(String started, List<Measured> runs, List<ClusterBench.Run> sqlite, Map<String, String> dqlite,
      double cpu) {
    StringBuilder j = new StringBuilder("{\n");
    j.append(String.format(Locale.ROOT, "  \"benchmark\": \"cluster\",%n  \"started\": \"%s\",%n  \"shards\": %s,%n"
        + "  \"virtual_masters\": %d,%n  \"concurrency\": %s,%n  \"seconds\": %.1f,%n  \"machine_cpu_busy_pct\": %.1f,%n"
        + "  \"server_jit\": \"%s\",%n  \"jit_warmup_seconds\": %.0f,%n",
        started, shardCounts, vms, concurrency, seconds, cpu, jvmOptions.isEmpty() ? serverJit : "custom", jitWarmup()));
    List<String> rows = new ArrayList<>();
    for (Measured m : runs) {
      List<String> kv = new ArrayList<>();
      m.cpuMsPerTx().forEach((role, ms) -> kv.add(String.format(Locale.ROOT, "\"%s\": %.3f", role, ms)));
      rows.add(String.format(Locale.ROOT, "    {\"shards\": %d, %s, \"cpu_ms_per_tx_by_role\": {%s}, "
          + "\"shard_raft_entries_per_tx\": %.3f, \"sequencer_raft_entries_per_tx\": %.3f}", m.shards(),
          runJson(m.run()), String.join(", ", kv), m.entriesPerTx()[0], m.entriesPerTx()[1]));
    }
    j.append("  \"shardlite\": [\n").append(String.join(",\n", rows)).append("\n  ],\n");
    j.append("  \"sqlite_full\": [\n").append(runsJson(sqlite)).append("  ],\n");
    j.append("  \"dqlite\": {");
    List<String> kv = new ArrayList<>();
    dqlite.forEach((k, v) -> kv.add("\"" + k + "\": \"" + v.replace("\"", "'") + "\""));
    j.append(String.join(", ", kv)).append("}\n}\n");
    return j.toString();
  }

  private static String runsJson(List<ClusterBench.Run> runs) {
    List<String> rows = new ArrayList<>();
    for (ClusterBench.Run r : runs) {
      rows.add("    {" + runJson(r) + "}");
    }
    return String.join(",\n", rows) + "\n";
  }

  private static String runJson(ClusterBench.Run r) {
    return String.format(Locale.ROOT, "\"workload\": \"%s\", \"concurrency\": %d, \"tx_per_s\": %.1f, \"committed\": %d, "
        + "\"refused\": %d, \"failed\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f", r.workload(),
        r.concurrency(), r.txPerSec(), r.committed(), r.refused(), r.failed(), r.p50Ms(), r.p99Ms(), r.p999Ms());
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      // best effort: a temp dir
    }
  }
}
