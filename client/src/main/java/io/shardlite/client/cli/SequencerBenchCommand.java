package io.shardlite.client.cli;

import io.shardlite.client.bench.SequencerBench;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardlite bench sequencer}: LSN assignments/s of a local 3-replica sequencer group by
 * batch size and stream count (every answer checked), next to a 3-member etcd's single-key
 * puts/s at the same client concurrency, in the same run. The work is in {@link SequencerBench}.
 */
@Command(name = "sequencer", mixinStandardHelpOptions = true,
    description = "Sequencer LSNs/s and latency by batch size and streams vs etcd puts/s, same run.")
final class SequencerBenchCommand implements Callable<Integer> {
  @Option(names = "--batches", split = ",", defaultValue = "1,16,256",
      description = "Transactions per request (default ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(names = "--streams", split = ",", defaultValue = "1,4,8",
      description = "LSN streams, one virtual master each (default ${DEFAULT-VALUE}).")
  List<Integer> streams;

  @Option(names = "--in-flight", defaultValue = "32", description = "Requests in flight per stream (default ${DEFAULT-VALUE}).")
  int inFlight;

  @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per point (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--warmup-seconds", defaultValue = "2", description = "Warm-up per point (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--jit-warmup-seconds", defaultValue = "5",
      description = "One warm-up before the first sequencer point (default ${DEFAULT-VALUE}).")
  double jitWarmupSeconds;

  @Option(names = "--shards", defaultValue = "16", description = "Shards (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--multi-shard-percent", defaultValue = "1",
      description = "Share of two-shard transactions, percent (default ${DEFAULT-VALUE}).")
  double multiShardPercent;

  @Option(names = "--etcd-clients", split = ",", defaultValue = "1,4,8,16,64",
      description = "etcd client counts with one put in flight each (default ${DEFAULT-VALUE}).")
  List<Integer> etcdClients;

  @Option(names = "--no-etcd-gateway", description = "Do not also measure etcd's HTTP/JSON gateway.")
  boolean noEtcdGateway;

  @Option(names = "--skip-etcd", description = "Do not measure etcd.")
  boolean skipEtcd;

  @Option(names = "--install-etcd",
      description = "If etcd is not on PATH, run `apt-get install -y etcd-server` first (default: do not install).")
  boolean installEtcd;

  @Option(names = "--replies-per-vm", defaultValue = "256",
      description = "Sequencer --replies-per-vm (its reply cache per virtual master; 0 = the server's default of 4096,"
          + " which at batch 256 holds about a million transactions per virtual master; default ${DEFAULT-VALUE}).")
  int repliesPerVm;

  @Option(names = "--sequencer-arg", description = "Extra flag for every sequencer replica, repeatable.")
  List<String> sequencerArgs = new ArrayList<>();

  @Option(names = "--out", defaultValue = "bench/results", description = "Results directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--data-dir", description = "Parent of the temporary data directory (default: the system temp dir).")
  Path dataDir;

  @Option(names = "--keep-data", description = "Keep the temporary data directory (replica and etcd logs).")
  boolean keepData;

  @Override
  public Integer call() throws Exception {
    if (batches.stream().anyMatch(b -> b < 1) || streams.stream().anyMatch(s -> s < 1) || inFlight < 1 || seconds <= 0
        || shards < 1 || (repliesPerVm != 0 && repliesPerVm < inFlight) || multiShardPercent < 0 || multiShardPercent > 100 || etcdClients.stream().anyMatch(c -> c < 1)) {
      System.err.println("--batches, --streams, --in-flight, --shards and --etcd-clients must be positive, --seconds"
          + " above 0, --multi-shard-percent in [0, 100], --replies-per-vm 0 or at least --in-flight");
      return 2;
    }
    List<String> flags = new ArrayList<>();
    if (repliesPerVm > 0) {
      flags.add("--replies-per-vm=" + repliesPerVm);
    }
    flags.addAll(sequencerArgs);
    return new SequencerBench(new SequencerBench.Options(batches, streams, inFlight, seconds, warmupSeconds,
        jitWarmupSeconds, shards, multiShardPercent / 100, etcdClients, !noEtcdGateway, skipEtcd, installEtcd, out, dataDir,
        keepData, flags), System.err).run();
  }
}
