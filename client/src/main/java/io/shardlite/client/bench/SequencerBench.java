package io.shardlite.client.bench;

import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
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
import java.util.stream.Stream;

/**
 * {@code shardlite bench sequencer}: LSN assignments/s of a local 3-replica sequencer group by
 * batch size and stream count, every answer checked, next to a 3-member etcd's single-key puts/s
 * at the same client concurrency, in the same run. Writes {@code sequencer-<time>.md|json}.
 */
public final class SequencerBench {
  /** The command's settings. */
  public record Options(List<Integer> batches, List<Integer> streams, int inFlight, double seconds,
      double warmupSeconds, double initialWarmupSeconds, int shards, double multiShardShare, List<Integer> etcdClients,
      boolean etcdGateway, boolean skipEtcd, boolean installEtcd, Path out, Path dataDir, boolean keepData,
      List<String> sequencerArgs) {}

  private final Options o;
  private final PrintStream log;
  private final int cores = Runtime.getRuntime().availableProcessors();
  private boolean keepLogs;

  public SequencerBench(Options options, PrintStream log) {
    this.o = options;
    this.log = log;
  }

  /** Runs everything; 0 when every answer was right, 1 otherwise. */
  public int run() throws Exception {
    ZonedDateTime started = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS);
    MachineCpu idle0 = MachineCpu.sample();
    Thread.sleep(1000);
    double backgroundCpu = MachineCpu.busyPercent(idle0, MachineCpu.sample());
    Path parent = o.dataDir() != null ? Files.createDirectories(o.dataDir()) : Path.of(System.getProperty("java.io.tmpdir"));
    Path base = Files.createTempDirectory(parent, "shardlite-bench-sequencer-");
    log.printf("bench sequencer: data under %s%n", base);
    boolean keep = o.keepData();
    try {
      List<SequencerReport.SeqPoint> points = new ArrayList<>();
      LsnCheck.Ledger ledger = new LsnCheck.Ledger(o.shards(), true);
      runSequencer(base.resolve("sequencer"), ledger, points);
      List<SequencerReport.EtcdPoint> etcd = new ArrayList<>();
      Map<String, String> etcdFacts = new LinkedHashMap<>();
      String skipped = runEtcd(base.resolve("etcd"), etcd, etcdFacts);

      LsnCheck.Violations v = ledger.total();
      Map<String, Long> kinds = new LinkedHashMap<>();
      kinds.put("replies not matching the request (count, ids, shards)", v.badReplies());
      kinds.put("LSNs not contiguous within a reply", v.notContiguous());
      kinds.put("LSNs not increasing along a stream", v.notIncreasing());
      kinds.put("LSN handed out twice", v.duplicates());
      kinds.put("shard chain broken (wrong previous LSN)", v.chainBreaks());
      kinds.put("LSNs skipped (in no reply)", v.unseen());
      SequencerReport.Report report = new SequencerReport.Report(
          started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), notes(), facts(started, base, backgroundCpu, etcdFacts),
          points, etcd, skipped, ledger.seen(), kinds, v.samples());
      String stamp = started.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
      Files.createDirectories(o.out());
      Path md = o.out().resolve("sequencer-" + stamp + ".md");
      Path json = o.out().resolve("sequencer-" + stamp + ".json");
      String markdown = SequencerReport.markdown(report);
      Files.writeString(json, SequencerReport.json(report), StandardCharsets.UTF_8);
      Files.writeString(md, markdown, StandardCharsets.UTF_8);
      System.out.print(markdown);
      log.printf("wrote %s and %s%n", json, md);
      SequencerReport.verdict(report).forEach(l -> log.println("  " + l));
      if (report.anyWrong() || keepLogs) {
        keep = true;
        log.println("!!! THE SEQUENCER GAVE WRONG ANSWERS OR ERRORS DURING THE BENCHMARK: see 'Answers checked' in " + md);
        v.samples().forEach(s -> log.println("!!!   " + s));
        return 1;
      }
      return 0;
    } catch (Exception | Error e) {
      keep = true;
      throw e;
    } finally {
      if (keep) {
        log.printf("data and logs kept in %s%n", base);
      } else {
        deleteTree(base);
      }
    }
  }

  private void runSequencer(Path dir, LsnCheck.Ledger ledger, List<SequencerReport.SeqPoint> points) throws Exception {
    log.printf("starting 3 sequencer replicas (%d shards, flags %s) in %s%n", o.shards(), o.sequencerArgs(), dir);
    LocalSequencerCluster cluster = new LocalSequencerCluster(dir, 3, o.shards(), o.sequencerArgs(),
        LocalShardCluster.defaultJvmOptions());
    Thread hook = new Thread(cluster::close, "stop-bench-sequencer");
    Runtime.getRuntime().addShutdownHook(hook);
    try (SequencerClient client = new SequencerClient(cluster.start().endpoints(), Duration.ofSeconds(30))) {
      List<Long> pids = cluster.replicas().stream().map(LocalSequencerCluster.Replica::pid).toList();
      log.printf("  replicas up: %s%n", cluster.replicas().stream()
          .map(r -> r.id() + " pid " + r.pid() + " at " + r.endpoint()).toList());
      int maxStreams = o.streams().stream().max(Integer::compare).orElse(1);
      if (o.initialWarmupSeconds() > 0) {
        int warmBatch = o.batches().stream().filter(b -> b > 1).min(Integer::compare).orElse(1);
        List<LsnCheck.Stream> checks = new ArrayList<>();
        SequencerLoad.Result w = SequencerLoad.run(client, "warm", new SequencerLoad.Shape(o.shards(), warmBatch,
            maxStreams, o.inFlight(), o.multiShardShare()), o.initialWarmupSeconds(), 0, checks);
        LsnCheck.Violations v = ledger.verify(checks);
        log.printf("  JIT warm-up: batch %d, %d streams, %.0f s: %,d transactions answered, errors %s, wrong %d%n",
            warmBatch, maxStreams, o.initialWarmupSeconds(), w.answeredTxs(), w.errorsByCode(), v.wrong());
      }
      int run = 0;
      for (int batch : o.batches()) {
        for (int streams : o.streams()) {
          List<LsnCheck.Stream> checks = new ArrayList<>();
          MachineCpu before = MachineCpu.sample();
          double seq0 = MachineCpu.processCpuSeconds(pids);
          // The CPU window covers warm-up and measurement (the share is the same in both, roughly).
          SequencerLoad.Result r = SequencerLoad.run(client, "p" + run++ + "b" + batch + "s" + streams,
              new SequencerLoad.Shape(o.shards(), batch, streams, o.inFlight(), o.multiShardShare()), o.warmupSeconds(),
              o.seconds(), checks);
          double machine = MachineCpu.busyPercent(before, MachineCpu.sample());
          double cpu = MachineCpu.processCpuSeconds(pids) - seq0;
          double elapsed = o.warmupSeconds() + o.seconds();
          LsnCheck.Violations v = ledger.verify(checks);
          double[] l = BenchReport.latencySummaryMillis(r.latencyNanos());
          // CPU per LSN over every LSN of the point (warm-up included), to match the CPU window.
          double usPerLsn = r.answeredTxs() > 0 ? 1e6 * cpu / r.answeredTxs() : Double.NaN;
          SequencerReport.SeqPoint p = new SequencerReport.SeqPoint(batch, streams, o.inFlight(), o.seconds(),
              r.requests(), r.lsns(), l[0], l[1], l[2], r.errors(), r.errorsByCode(), v.wrong(), v.unseen(), machine,
              100.0 * cpu / (elapsed * cores), usPerLsn);
          points.add(p);
          log.printf(Locale.ROOT, "  batch %3d, %d streams: %,10.0f LSNs/s %,8.0f req/s  p50 %7.2f ms  p99 %7.2f ms"
                  + "  errors %d %s  wrong %d  unseen %d  CPU machine %.0f%% sequencer %.0f%% (%.1f us/LSN)%n",
              batch, streams, p.lsnsPerSec(), p.requestsPerSec(), p.p50Ms(), p.p99Ms(), p.errors(), p.errorsByCode(),
              v.wrong(), v.unseen(), machine, p.sequencerCpuPercent(), usPerLsn);
          if (p.errors() > 0 || v.wrong() > 0 || v.unseen() > 0 || p.lsns() == 0) {
            if (p.lsns() == 0) {
              log.println("  !!! NO REPLY in the measured window (a stall): see the replica logs");
              keepLogs = true;
            }
            log.println("  !!! PROBLEM at batch " + batch + ", " + streams + " streams:");
            r.errorSamples().forEach(s -> log.println("  !!!   error " + s));
            v.samples().forEach(s -> log.println("  !!!   " + s));
          }
        }
      }
      log.printf("  %,d LSNs checked in all, last LSN %d%n", ledger.seen(), ledger.lastLsn());
    } finally {
      cluster.close();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
  }

  /** Measures etcd; returns null, or why it was not measured. */
  private String runEtcd(Path dir, List<SequencerReport.EtcdPoint> points, Map<String, String> facts) {
    if (o.skipEtcd()) {
      return "skipped by --skip-etcd";
    }
    Path binary = EtcdPeer.binary();
    if (binary == null && o.installEtcd()) {
      log.println("etcd: not on PATH, --install-etcd given: apt-get install -y etcd-server");
      try {
        int rc = EtcdPeer.install();
        log.println("etcd: apt-get exited with " + rc);
      } catch (Exception e) {
        log.println("etcd: apt-get failed: " + e);
      }
      binary = EtcdPeer.binary();
    }
    if (binary == null) {
      String why = "etcd is not installed (no `etcd` on PATH); install Debian's etcd-server (`apt-get install"
          + " etcd-server`) or run with --install-etcd";
      log.println("etcd: NOT MEASURED: " + why);
      return why;
    }
    Thread[] hook = new Thread[1];
    try {
      Files.createDirectories(dir);
      log.printf("starting 3 etcd members (%s) in %s%n", binary, dir);
      try (EtcdPeer peer = EtcdPeer.start(binary, dir)) {
        hook[0] = new Thread(peer::close, "stop-bench-etcd");
        Runtime.getRuntime().addShutdownHook(hook[0]);
        facts.put("etcd", peer.version() + " (" + binary + ", Debian etcd-server " + dpkgVersion("etcd-server")
            + "), 3 members on 127.0.0.1, fsync on (defaults), puts to the leader " + peer.leader());
        log.printf("  etcd up: pids %s, leader %s%n", peer.pids(), peer.leader());
        List<Long> pids = peer.pids();
        for (int c : o.etcdClients()) {
          points.add(etcdPoint(pids, () -> peer.grpcPuts(c, 1, o.warmupSeconds(), o.seconds())));
        }
        for (int s : o.streams()) {
          if (o.inFlight() > 1) {
            points.add(etcdPoint(pids, () -> peer.grpcPuts(s, o.inFlight(), o.warmupSeconds(), o.seconds())));
          }
        }
        if (o.etcdGateway()) {
          for (int s : o.streams()) {
            points.add(etcdPoint(pids, () -> peer.gatewayPuts(s, o.warmupSeconds(), o.seconds())));
          }
        }
      }
      return null;
    } catch (Exception e) {
      log.println("etcd: FAILED: " + e);
      return points.isEmpty() ? "etcd failed to run: " + e.getMessage() : null;
    } finally {
      if (hook[0] != null) {
        Runtime.getRuntime().removeShutdownHook(hook[0]);
      }
    }
  }

  /** An etcd measurement as a checked call. */
  interface Measure {
    EtcdPeer.Result get() throws InterruptedException;
  }

  private SequencerReport.EtcdPoint etcdPoint(List<Long> pids, Measure m) throws InterruptedException {
    MachineCpu before = MachineCpu.sample();
    double cpu0 = MachineCpu.processCpuSeconds(pids);
    long t0 = System.nanoTime();
    EtcdPeer.Result r = m.get();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double machine = MachineCpu.busyPercent(before, MachineCpu.sample());
    double etcdCpu = 100.0 * (MachineCpu.processCpuSeconds(pids) - cpu0) / (elapsed * cores);
    double[] l = BenchReport.latencySummaryMillis(r.latencyNanos());
    SequencerReport.EtcdPoint p = new SequencerReport.EtcdPoint(r.client(), r.clients(), r.inFlightPerClient(),
        r.seconds(), r.puts(), l[0], l[1], r.errors(), r.duplicateRevisions(), machine, etcdCpu);
    log.printf(Locale.ROOT, "  etcd %-17s %2d clients x %2d in flight: %,8.0f puts/s  p50 %7.2f ms  p99 %7.2f ms  errors %d %s"
            + "  CPU machine %.0f%% etcd %.0f%%%n", r.client(), r.clients(), r.inFlightPerClient(), p.putsPerSec(), l[0], l[1],
        r.errors(), r.errorsByCode(), machine, etcdCpu);
    return p;
  }

  private List<String> notes() {
    List<String> n = new ArrayList<>();
    n.add("Method: a fresh 3-replica sequencer group (child JVMs on 127.0.0.1, one Apache Ratis group, " + o.shards()
        + " shards), one virtual master registered per stream. Each stream is one pipelined LSN stream"
        + " (`SequencerClient.openLsnStream`) kept at up to " + o.inFlight() + " requests in flight, closed loop: a new"
        + " request leaves as soon as one is answered. A request is one batch of B transactions, each on one random"
        + " shard (" + fmt(100 * o.multiShardShare()) + "% on two distinct shards; those stay undecided until the"
        + " sequencer's timeout aborts them). A JIT warm-up of " + fmt(o.initialWarmupSeconds()) + " s precedes the"
        + " first point; every point has " + fmt(o.warmupSeconds()) + " s of warm-up, then " + fmt(o.seconds())
        + " s measured, counted from when its virtual masters are registered and their streams open. The virtual"
        + " masters hold " + SequencerLoad.LEASE.toSeconds() + " s leases renewed while their point runs, so those of"
        + " earlier points expire and the sequencer drops their reply caches."
        + (o.sequencerArgs().isEmpty() ? "" : " Sequencer flags: `" + String.join(" ", o.sequencerArgs()) + "`."));
    n.add("LSNs/s and requests/s count the replies that arrived in the measured window; p50/p99/max are exact over"
        + " those requests' latencies, from the call to `assign` to the reply, on the client. Every reply is checked"
        + " (see 'Answers checked').");
    n.add("etcd: 3 members of Debian's etcd-server on 127.0.0.1 (fsync on), after the sequencer group has stopped,"
        + " measured with single-key puts of 100-byte values to the leader, new key per put: native gRPC from grpc-java"
        + " (the stack of the sequencer's client; one HTTP/2 connection per client) with 1 put in flight per client"
        + " at " + o.etcdClients() + " clients, and with " + o.inFlight() + " puts in flight per client at "
        + o.streams() + " clients (the sequencer streams' own concurrency)"
        + (o.etcdGateway() ? "; and its HTTP/JSON gateway (as ../shared/peers/HttpLoad.java), 1 put in flight per"
            + " client, at " + o.streams() + " clients" : "") + ". Same warm-up and window as the sequencer's points.");
    n.add("CPU busy: share of all cores busy during the point (warm-up included), for the whole machine (whatever ran)"
        + " and for the 3 sequencer replicas or 3 etcd members. Sequencer CPU us/LSN: the replicas' CPU time over the"
        + " point per LSN answered in it. The load generator runs on the same cores.");
    return n;
  }

  private Map<String, String> facts(ZonedDateTime started, Path base, double backgroundCpu, Map<String, String> etcd) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("date", started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    f.put("cores", Integer.toString(cores));
    f.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    f.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      f.put("memory", String.format(Locale.ROOT, "%.1f GiB", os.getTotalMemorySize() / (double) (1L << 30)));
    }
    try {
      FileStore store = Files.getFileStore(base);
      f.put("disk", base.getParent() + " on " + store.name() + " (" + store.type() + ")");
    } catch (IOException e) {
      f.put("disk", String.valueOf(base.getParent()));
    }
    f.put("machine CPU busy before the run (other load)", Double.isNaN(backgroundCpu) ? "n/a"
        : String.format(Locale.ROOT, "%.0f%%", backgroundCpu));
    String ratis = org.apache.ratis.server.RaftServer.class.getPackage().getImplementationVersion();
    f.put("shardlite", "0.1.0 (Apache Ratis " + (ratis != null ? ratis : "?") + ")");
    f.put("sequencer replicas", "3, " + o.shards() + " shards, flags: " + (o.sequencerArgs().isEmpty() ? "(defaults)"
        : String.join(" ", o.sequencerArgs())));
    f.put("sequencer JVM options", String.join(" ", LocalShardCluster.defaultJvmOptions()));
    f.put("load", "batches " + o.batches() + ", streams " + o.streams() + ", " + o.inFlight() + " requests in flight per"
        + " stream, " + fmt(100 * o.multiShardShare()) + "% two-shard transactions");
    if (etcd.isEmpty()) {
      f.put("etcd", "not measured");
    } else {
      f.putAll(etcd);
    }
    return f;
  }

  private static String dpkgVersion(String pkg) {
    try {
      Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", pkg).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 && !out.isEmpty() ? out : "?";
    } catch (Exception e) {
      return "?";
    }
  }

  static String fmt(double d) {
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
