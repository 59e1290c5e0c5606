package io.shardlite.client.cli;

import io.shardlite.client.bench.EtcdPeer;
import io.shardlite.client.bench.SequencerLoad;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardlite bench sequencer}: LSN assignments/s of a local 3-replica sequencer group at
 * several batch sizes and stream counts, next to a 3-member etcd's single-key puts/s at the same
 * client concurrency, in the same run.
 */
@Command(name = "sequencer", mixinStandardHelpOptions = true,
    description = "Sequencer LSNs/s and latency by batch size and streams vs etcd puts/s, same run.")
final class SequencerBenchCommand implements Callable<Integer> {
  @Option(names = "--batches", split = ",", defaultValue = "1,16,256", description = "Transactions per request (default ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(names = "--streams", split = ",", defaultValue = "1,4,8", description = "LSN streams (default ${DEFAULT-VALUE}).")
  List<Integer> streams;

  @Option(names = "--in-flight", defaultValue = "32", description = "Requests in flight per stream (default ${DEFAULT-VALUE}).")
  int inFlight;

  @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per point (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--warmup-seconds", defaultValue = "2", description = "Warm-up per point (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--shards", defaultValue = "16", description = "Shards (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--out", defaultValue = "bench/results", description = "Results directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = Files.createTempDirectory("shardlite-bench-sequencer-");
    List<SequencerLoad.Point> points = new ArrayList<>();
    try (LocalSequencerCluster cluster = new LocalSequencerCluster(dir.resolve("sequencer"), 3, shards, List.of(),
            LocalShardCluster.defaultJvmOptions()).start();
        SequencerClient client = new SequencerClient(cluster.endpoints(), Duration.ofSeconds(30))) {
      int run = 0;
      for (int b : batches) {
        for (int s : streams) {
          points.add(print("shardlite", SequencerLoad.run(client, "r" + run++, shards, b, s, inFlight, warmupSeconds, seconds)));
        }
      }
    }
    Map<Integer, SequencerLoad.Point> etcd = new LinkedHashMap<>();
    String etcdNote;
    Path binary = EtcdPeer.binary();
    if (binary == null) {
      etcdNote = "not run: no etcd on PATH (install Debian's etcd-server: apt-get install etcd-server)";
    } else {
      try (EtcdPeer peer = EtcdPeer.start(binary, Files.createDirectories(dir.resolve("etcd")))) {
        etcdNote = peer.version() + ", 3 members on 127.0.0.1, fsync on, HTTP/JSON gateway puts to the leader";
        for (int s : streams) {
          etcd.put(s, print("etcd", peer.puts(s, warmupSeconds, seconds)));
        }
      }
    }
    System.out.println("etcd: " + etcdNote);
    deleteTree(dir);
    Files.createDirectories(out);
    String base = "sequencer-" + started;
    Files.writeString(out.resolve(base + ".md"), markdown(started, points, etcd, etcdNote));
    Files.writeString(out.resolve(base + ".json"), json(started, points, etcd, etcdNote));
    System.out.println("wrote " + out.resolve(base + ".md"));
    boolean wrong = points.stream().anyMatch(p -> p.errors() > 0 || p.orderViolations() > 0);
    if (wrong) {
      System.err.println("ERRORS or LSN order violations were seen: see the report");
    }
    return wrong ? 1 : 0;
  }

  private static SequencerLoad.Point print(String what, SequencerLoad.Point p) {
    System.out.printf(Locale.ROOT, "%-9s batch %-4d streams/clients %-2d %10.0f LSNs/s %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms"
        + "  errors %d, order violations %d%n", what, p.batch(), p.streams(), p.lsnsPerSec(), p.requestsPerSec(), p.p50Ms(),
        p.p99Ms(), p.errors(), p.orderViolations());
    return p;
  }

  private String markdown(String started, List<SequencerLoad.Point> points, Map<Integer, SequencerLoad.Point> etcd,
      String etcdNote) {
    StringBuilder md = new StringBuilder("# Sequencer benchmark " + started + "\n\n");
    md.append(String.format(Locale.ROOT, "`shardlite bench sequencer`: a 3-replica sequencer group on 127.0.0.1 of one "
        + "machine (%d cores); each stream is one virtual master's pipelined LSN stream with %d requests in flight; "
        + "%.0f s measured after %.0f s warm-up per point. etcd: %s, at the same client concurrency (one closed-loop "
        + "client per stream).%n%n", Runtime.getRuntime().availableProcessors(), inFlight, seconds, warmupSeconds, etcdNote));
    md.append("| batch | streams | LSNs/s | requests/s | p50 ms | p99 ms | etcd puts/s (same concurrency) | ratio | errors |\n"
        + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (SequencerLoad.Point p : points) {
      SequencerLoad.Point e = etcd.get(p.streams());
      md.append(String.format(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.2f | %.2f | %s | %s | %d |%n", p.batch(), p.streams(),
          p.lsnsPerSec(), p.requestsPerSec(), p.p50Ms(), p.p99Ms(), e == null ? "-" : String.format(Locale.ROOT, "%.0f", e.lsnsPerSec()),
          e == null || e.lsnsPerSec() == 0 ? "-" : String.format(Locale.ROOT, "%.1fx", p.lsnsPerSec() / e.lsnsPerSec()),
          p.errors() + p.orderViolations()));
    }
    double bestBatched = points.stream().filter(p -> p.batch() > 1).mapToDouble(SequencerLoad.Point::lsnsPerSec).max().orElse(0);
    double bestEtcd = etcd.values().stream().mapToDouble(SequencerLoad.Point::lsnsPerSec).max().orElse(0);
    double bestSingle = points.stream().filter(p -> p.batch() == 1).mapToDouble(SequencerLoad.Point::lsnsPerSec).max().orElse(0);
    md.append(String.format(Locale.ROOT, "%n## Target: with batching, at least 20x etcd's put rate%n%n"));
    if (bestEtcd > 0) {
      md.append(String.format(Locale.ROOT, "- best batched: %.0f LSNs/s = %.1fx etcd's best (%.0f puts/s): %s%n"
          + "- batch size 1: best %.0f LSNs/s = %.2fx etcd's best%n", bestBatched, bestBatched / bestEtcd, bestEtcd,
          bestBatched >= 20 * bestEtcd ? "met" : "NOT met", bestSingle, bestSingle / bestEtcd));
    } else {
      md.append("- etcd was not measured in this run: no ratio.\n");
    }
    return md.toString();
  }

  private String json(String started, List<SequencerLoad.Point> points, Map<Integer, SequencerLoad.Point> etcd, String note) {
    StringBuilder j = new StringBuilder(String.format(Locale.ROOT, "{%n  \"benchmark\": \"sequencer\",%n  \"started\": \"%s\","
        + "%n  \"in_flight\": %d,%n  \"seconds\": %.1f,%n  \"etcd\": \"%s\",%n  \"points\": [%n", started, inFlight, seconds,
        note.replace("\"", "'")));
    List<String> rows = new ArrayList<>();
    for (SequencerLoad.Point p : points) {
      SequencerLoad.Point e = etcd.get(p.streams());
      rows.add(String.format(Locale.ROOT, "    {\"batch\": %d, \"streams\": %d, \"lsns_per_s\": %.1f, \"requests_per_s\": %.1f, "
          + "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"errors\": %d, \"order_violations\": %d, \"etcd_puts_per_s\": %s}",
          p.batch(), p.streams(), p.lsnsPerSec(), p.requestsPerSec(), p.p50Ms(), p.p99Ms(), p.errors(), p.orderViolations(),
          e == null ? "null" : String.format(Locale.ROOT, "%.1f", e.lsnsPerSec())));
    }
    return j.append(String.join(",\n", rows)).append("\n  ]\n}\n").toString();
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      // best effort: a temp dir
    }
  }
}
