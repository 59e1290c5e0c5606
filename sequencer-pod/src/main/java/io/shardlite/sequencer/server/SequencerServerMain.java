package io.shardlite.sequencer.server;

import io.shardlite.common.batch.GroupPacing;
import io.shardlite.common.config.PeerList;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.sequencer.state.SequencerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sequencer-server}: runs one sequencer replica. Every flag has an environment variable; flags win. */
@Command(name = "sequencer-server", mixinStandardHelpOptions = true,
    description = "Runs a shardlite sequencer replica: global LSNs, leases, shard ownership and multi-shard decisions.")
public final class SequencerServerMain implements Callable<Integer> {
  private static final String FJP_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  @Option(names = "--node-id", required = true, defaultValue = "${env:SHARDLITE_NODE_ID}",
      description = "This replica's Raft peer id, one of --peers (env SHARDLITE_NODE_ID).")
  String nodeId;

  @Option(names = "--cluster", defaultValue = "${env:SHARDLITE_CLUSTER:-shardlite}",
      description = "Cluster name; the sequencer group id derives from it (env SHARDLITE_CLUSTER, default ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--data-dir", defaultValue = "${env:SHARDLITE_DATA_DIR:-data}",
      description = "Directory for the Raft log and snapshots (env SHARDLITE_DATA_DIR, default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--bind-address", defaultValue = "${env:SHARDLITE_BIND_ADDRESS:-0.0.0.0}",
      description = "Address all ports bind to (env SHARDLITE_BIND_ADDRESS, default ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(names = "--ratis-port", defaultValue = "${env:SHARDLITE_RATIS_PORT:-7100}",
      description = "Raft port; must match this node's address in --peers (env SHARDLITE_RATIS_PORT, default ${DEFAULT-VALUE}).")
  int ratisPort;

  @Option(names = "--grpc-port", defaultValue = "${env:SHARDLITE_GRPC_PORT:-7101}",
      description = "gRPC port of the Sequencer service, 0 = ephemeral (env SHARDLITE_GRPC_PORT, default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--metrics-port", defaultValue = "${env:SHARDLITE_METRICS_PORT:-7102}",
      description = "HTTP port for /metrics, /healthz, /readyz; 0 = ephemeral, -1 = off (env SHARDLITE_METRICS_PORT, default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--peers", required = true, defaultValue = "${env:SHARDLITE_PEERS}",
      description = "Every sequencer replica as id=host:ratisPort,... (1, 3 or 5; env SHARDLITE_PEERS).")
  String peers;

  @Option(names = "--shards", defaultValue = "${env:SHARDLITE_SHARDS:-16}",
      description = "Number of shards in the cluster; the same on every replica (env SHARDLITE_SHARDS, default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--max-batch-txs", defaultValue = "${env:SHARDLITE_MAX_BATCH_TXS:-4096}",
      description = "Most transactions in one LSN request (env SHARDLITE_MAX_BATCH_TXS, default ${DEFAULT-VALUE}).")
  int maxBatchTxs;

  @Option(names = "--tx-timeout-ms", defaultValue = "${env:SHARDLITE_TX_TIMEOUT_MS:-30000}",
      description = "An undecided multi-shard transaction this old is aborted (env SHARDLITE_TX_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
  long txTimeoutMs;

  @Option(names = "--replies-per-vm", defaultValue = "${env:SHARDLITE_REPLIES_PER_VM:-" + SequencerClient.VM_LSN_CALLS_IN_FLIGHT + "}",
      description = "LSN replies kept per virtual master for its retries; at least its LSN requests in flight, which a"
          + " virtual master keeps at " + SequencerClient.VM_LSN_CALLS_IN_FLIGHT + " or fewer (env SHARDLITE_REPLIES_PER_VM, default ${DEFAULT-VALUE}).")
  int repliesPerVm;

  @Option(names = "--decision-window-lsns", defaultValue = "${env:SHARDLITE_DECISION_WINDOW_LSNS:-1000000}",
      description = "Decisions are kept until this many later LSNs were assigned (env SHARDLITE_DECISION_WINDOW_LSNS, default ${DEFAULT-VALUE}).")
  long decisionWindowLsns;

  @Option(names = "--election-timeout-ms", defaultValue = "${env:SHARDLITE_ELECTION_TIMEOUT_MS:-1000}",
      description = "Minimum Raft election timeout; the maximum is twice it (env SHARDLITE_ELECTION_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
  long electionTimeoutMs;

  @Option(names = "--tick-ms", defaultValue = "${env:SHARDLITE_TICK_MS:-500}",
      description = "How often the leader advances time (lease expiry, transaction timeouts) (env SHARDLITE_TICK_MS, default ${DEFAULT-VALUE}).")
  long tickMs;

  @Option(names = "--max-time-step-ms", defaultValue = "${env:SHARDLITE_MAX_TIME_STEP_MS:-2000}",
      description = "A longer gap between commands (no leader) extends leases instead of expiring them; must exceed --tick-ms (env SHARDLITE_MAX_TIME_STEP_MS, default ${DEFAULT-VALUE}).")
  long maxTimeStepMs;

  @Option(names = "--snapshot-threshold", defaultValue = "${env:SHARDLITE_SNAPSHOT_THRESHOLD:-20000}",
      description = "Log entries between snapshots (env SHARDLITE_SNAPSHOT_THRESHOLD, default ${DEFAULT-VALUE}).")
  long snapshotThreshold;

  @Option(names = "--assign-entries-in-flight", defaultValue = "${env:SHARDLITE_ASSIGN_ENTRIES_IN_FLIGHT:-1}",
      description = "Log entries of LSN requests the leader keeps outstanding; requests arriving meanwhile share the next entry (group commit) (env SHARDLITE_ASSIGN_ENTRIES_IN_FLIGHT, default ${DEFAULT-VALUE}).")
  int assignEntriesInFlight;

  // Without it the leader sends its next entry as soon as the last one commits: as many entries as
  // round trips allow, each costing ~3 ms of CPU over three replicas whatever it carries
  // (bench/results/README.md, nineteenth session). 20 since the twenty-fourth: with lanes pausing
  // up to 100 ms between shard entries, their LSN requests wait inside those pauses.
  @Option(names = "--entry-gap-ms", defaultValue = "${env:SHARDLITE_ENTRY_GAP_MS:-20}",
      description = "While the CPU is busy (--busy-cpu-percent), the least time between two of the leader's log"
          + " entries of commands, 0-1000 (0 = send each as soon as the last one commits); commands arriving"
          + " meanwhile share the entry (env SHARDLITE_ENTRY_GAP_MS, default ${DEFAULT-VALUE}).")
  long entryGapMs;

  @Option(names = "--busy-cpu-percent", defaultValue = "${env:SHARDLITE_BUSY_CPU_PERCENT:-85}",
      description = "CPU use of this replica's host (or container), 0-100, from which the leader spaces its entries"
          + " the whole --entry-gap-ms; below it the gap shortens in proportion, to none at 15 points less;"
          + " 0 = whatever the CPU (env SHARDLITE_BUSY_CPU_PERCENT, default ${DEFAULT-VALUE}).")
  int busyCpuPercent;

  @Option(names = "--ready-file", defaultValue = "${env:SHARDLITE_READY_FILE}",
      description = "Written (key=value lines: ports, pid) once the server serves (env SHARDLITE_READY_FILE).")
  Path readyFile;

  @Option(names = "--ratis-property", paramLabel = "KEY=VALUE",
      description = "Expert: a raw Apache Ratis property applied last, repeatable.")
  Map<String, String> ratisProperties = new LinkedHashMap<>();

  SequencerServerConfig config() {
    return new SequencerServerConfig(nodeId, cluster, dataDir, bindAddress, ratisPort, grpcPort, metricsPort,
        PeerList.parse(peers),
        new SequencerConfig(shards, maxBatchTxs, txTimeoutMs, repliesPerVm, decisionWindowLsns, maxTimeStepMs),
        Duration.ofMillis(electionTimeoutMs), Duration.ofMillis(tickMs), snapshotThreshold, assignEntriesInFlight,
        new GroupPacing(Duration.ofMillis(entryGapMs), busyCpuPercent), readyFile,
        ratisProperties);
  }

  @Override
  public Integer call() throws Exception {
    SequencerServer server = new SequencerServer(config());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "shutdown"));
    server.start();
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    io.shardlite.common.rpc.NettyLeakDetection.offUnlessSet();
    // See ShardServerMain: Ratis needs a common pool of at least 2 threads on small machines.
    if (System.getProperty(FJP_PARALLELISM) == null) {
      System.setProperty(FJP_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
    CommandLine cli = new CommandLine(new SequencerServerMain());
    cli.setParameterExceptionHandler((ex, a) -> {
      cli.getErr().println("sequencer-server: " + ex.getMessage());
      cli.usage(cli.getErr());
      return 2;
    });
    cli.setExecutionExceptionHandler((ex, c, parsed) -> {
      if (ex instanceof IllegalArgumentException) {
        cli.getErr().println("sequencer-server: " + ex.getMessage());
        return 2;
      }
      throw ex;
    });
    int code = cli.execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
