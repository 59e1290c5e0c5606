package io.shardlite.vmaster.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmaster-server}: runs one virtual master. Every flag has an environment variable; flags win. */
@Command(name = "vmaster-server", mixinStandardHelpOptions = true,
    description = "Runs a shardlite virtual master: the client API, routing, and the lanes of the shards it owns.")
public final class VirtualMasterMain implements Callable<Integer> {

  @Option(names = "--vm-id", required = true, defaultValue = "${env:SHARDLITE_VM_ID}",
      description = "This virtual master's id, unique in the cluster (env SHARDLITE_VM_ID; the pod name on Kubernetes).")
  String vmId;

  @Option(names = "--cluster", defaultValue = "${env:SHARDLITE_CLUSTER:-shardlite}",
      description = "Cluster name (env SHARDLITE_CLUSTER, default ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--bind-address", defaultValue = "${env:SHARDLITE_BIND_ADDRESS:-0.0.0.0}",
      description = "Address all ports bind to (env SHARDLITE_BIND_ADDRESS, default ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(names = "--grpc-port", defaultValue = "${env:SHARDLITE_GRPC_PORT:-7201}",
      description = "Client API port, 0 = ephemeral (env SHARDLITE_GRPC_PORT, default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--metrics-port", defaultValue = "${env:SHARDLITE_METRICS_PORT:-7202}",
      description = "HTTP port for /metrics, /healthz, /readyz; 0 = ephemeral, -1 = off (env SHARDLITE_METRICS_PORT, default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--advertise-address", defaultValue = "${env:SHARDLITE_ADVERTISE_ADDRESS:-}",
      description = "host:port other virtual masters use to reach this one (env SHARDLITE_ADVERTISE_ADDRESS; default: bind address and gRPC port).")
  String advertiseAddress;

  @Option(names = "--sequencer", required = true, defaultValue = "${env:SHARDLITE_SEQUENCER}",
      description = "Sequencer replicas' gRPC endpoints host:port,... (env SHARDLITE_SEQUENCER).")
  String sequencer;

  @Option(names = "--shard-servers", required = true, defaultValue = "${env:SHARDLITE_SHARD_SERVERS}",
      description = "Shard servers' gRPC endpoints host:port,... (env SHARDLITE_SHARD_SERVERS).")
  String shardServers;

  @Option(names = "--shards", defaultValue = "${env:SHARDLITE_SHARDS:-16}",
      description = "Number of shards in the cluster (env SHARDLITE_SHARDS, default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--lease-ms", defaultValue = "${env:SHARDLITE_LEASE_MS:-5000}",
      description = "Lease with the sequencer; a virtual master silent this long loses its shards (env SHARDLITE_LEASE_MS, default ${DEFAULT-VALUE}).")
  long leaseMs;

  @Option(names = "--heartbeat-ms", defaultValue = "${env:SHARDLITE_HEARTBEAT_MS:-1000}",
      description = "Lease renewal interval (env SHARDLITE_HEARTBEAT_MS, default ${DEFAULT-VALUE}).")
  long heartbeatMs;

  @Option(names = "--request-timeout-ms", defaultValue = "${env:SHARDLITE_REQUEST_TIMEOUT_MS:-10000}",
      description = "Default deadline of a transaction (env SHARDLITE_REQUEST_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(names = "--drain-timeout-ms", defaultValue = "${env:SHARDLITE_DRAIN_TIMEOUT_MS:-10000}",
      description = "On SIGTERM, how long to wait for the shards to move away (env SHARDLITE_DRAIN_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
  long drainTimeoutMs;

  @Option(names = "--max-lane-batch", defaultValue = "${env:SHARDLITE_MAX_LANE_BATCH:-256}",
      description = "Most transactions a lane sequences and proposes together (env SHARDLITE_MAX_LANE_BATCH, default ${DEFAULT-VALUE}).")
  int maxLaneBatch;

  // 16, not 4: while a lane pauses (--entry-gap-ms) its writes become groups as they arrive (at each
  // of --entry-gap-looks since the nineteenth session, one by one before); with 4 slots the later ones
  // waited for the next entry's room before asking for LSNs and missed the entry after the pause
  // (bench/results/README.md, fifteenth session).
  @Option(names = "--lane-pipeline", defaultValue = "${env:SHARDLITE_LANE_PIPELINE:-16}",
      description = "Groups of writes a lane has in flight: LSN requests of later groups overlap the shard proposal of"
          + " the current one; 1 = one group at a time, at most 64 (env SHARDLITE_LANE_PIPELINE, default"
          + " ${DEFAULT-VALUE}).")
  int lanePipeline;

  @Option(names = "--speculative-parts", defaultValue = "${env:SHARDLITE_SPECULATIVE_PARTS:-64}",
      description = "Unresolved multi-shard parts a lane may stack on its shard; later writes and parts apply on"
          + " top and are answered once every part below them commits (an abort rolls them back and they fail"
          + " retryably). 0 = a prepared part holds its shard until it is resolved (env"
          + " SHARDLITE_SPECULATIVE_PARTS, default ${DEFAULT-VALUE}).")
  int speculativeParts;

  @Option(names = "--speculative-stack-ms", defaultValue = "${env:SHARDLITE_SPECULATIVE_STACK_MS:-500}",
      description = "How long a lane keeps stacking parts on a non-empty stack before it lets the stack drain when"
          + " no read waits for it (a shard whose linearizable reads wait says so, and the lane drains at once);"
          + " this bounds how far the shard's file lags, so keep it below the shard servers' --follower-max-lag-ms"
          + " (env SHARDLITE_SPECULATIVE_STACK_MS, default ${DEFAULT-VALUE}).")
  long speculativeStackMs;

  @Option(names = "--entry-gap-ms", defaultValue = "${env:SHARDLITE_ENTRY_GAP_MS:-100}",
      description = "Longest pause of a lane after a shard log entry before it proposes the next, 0-1000 (0 = never"
          + " pause). A lane pauses only while its shard server reports a busy CPU (--busy-cpu-percent), it has at"
          + " least --entry-min-items writers and fewer than --entry-fill writes wait: fewer, larger"
          + " entries when the CPU is the limit"
          + " (env SHARDLITE_ENTRY_GAP_MS, default ${DEFAULT-VALUE}).")
  long entryGapMs;

  @Option(names = "--entry-fill", defaultValue = "${env:SHARDLITE_ENTRY_FILL:-64}",
      description = "Writes waiting in a lane that end its pause at once (env SHARDLITE_ENTRY_FILL,"
          + " default ${DEFAULT-VALUE}).")
  int entryFill;

  // 95, not 85 (the sequencer's): the pause shortens from here down to 15 points less, and from 85
  // the lanes held the CPU near 80%, idle capacity that the closed loop's latency paid for.
  @Option(names = "--busy-cpu-percent", defaultValue = "${env:SHARDLITE_BUSY_CPU_PERCENT:-95}",
      description = "CPU use, as the shard server answering a lane's entries reports it, from which the lane"
          + " pauses between entries, 0-100 (0 = whatever the CPU) (env SHARDLITE_BUSY_CPU_PERCENT,"
          + " default ${DEFAULT-VALUE}).")
  int busyCpuPercent;

  @Option(names = "--entry-min-items", defaultValue = "${env:SHARDLITE_ENTRY_MIN_ITEMS:-4}",
      description = "Writes, prepares and resolutions a lane's last entry must have carried for it to pause, unless"
          + " as many writes wait in the lane or for their answers: with fewer, its writers are too few for a"
          + " pause to gather more than it delays (env"
          + " SHARDLITE_ENTRY_MIN_ITEMS, default ${DEFAULT-VALUE}).")
  int entryMinItems;

  @Option(names = "--entry-gap-looks", defaultValue = "${env:SHARDLITE_ENTRY_GAP_LOOKS:-5}",
      description = "How many times during a pause a lane looks at the writes that arrived and asks LSNs for them,"
          + " 0-1000 (0 = at every arrival, a thread wake-up and an LSN request per write) (env"
          + " SHARDLITE_ENTRY_GAP_LOOKS, default ${DEFAULT-VALUE}).")
  int entryGapLooks;

  @Option(names = "--lsn-requests-in-flight", defaultValue = "${env:SHARDLITE_LSN_REQUESTS_IN_FLIGHT:-1}",
      description = "LSN requests this virtual master keeps unanswered on its sequencer stream; lanes asking meanwhile"
          + " share the next request (one sequencer log entry); 0 = one request per lane group"
          + " (env SHARDLITE_LSN_REQUESTS_IN_FLIGHT, default ${DEFAULT-VALUE}).")
  int lsnRequestsInFlight;

  @Option(names = "--lsn-batch-limit", defaultValue = "${env:SHARDLITE_LSN_BATCH_LIMIT:-4096}",
      description = "Most transactions in one shared LSN request; keep it within the sequencer's --max-batch-txs"
          + " (env SHARDLITE_LSN_BATCH_LIMIT, default ${DEFAULT-VALUE}).")
  int lsnBatchLimit;

  // 16 KiB below the shard servers' default --max-batch-bytes (1 MiB): a lane wraps a transaction
  // in an entry (id, LSN, epoch, time, seed, framing), and with equal limits the largest accepted
  // transactions were refused by the shards (VirtualMasterIT covers the edge).
  @Option(names = "--max-tx-bytes", defaultValue = "${env:SHARDLITE_MAX_TX_BYTES:-1032192}",
      description = "Largest accepted transaction in bytes; keep it at least 16 KiB below the shard servers'"
          + " --max-batch-bytes (env SHARDLITE_MAX_TX_BYTES, default ${DEFAULT-VALUE}).")
  int maxTxBytes;

  @Option(names = "--ready-file", defaultValue = "${env:SHARDLITE_READY_FILE}",
      description = "Written (key=value lines: ports, pid) once the server serves (env SHARDLITE_READY_FILE).")
  Path readyFile;

  VirtualMasterConfig config() {
    return new VirtualMasterConfig(vmId, cluster, bindAddress, grpcPort, metricsPort, advertiseAddress, list(sequencer),
        list(shardServers), shards, Duration.ofMillis(leaseMs), Duration.ofMillis(heartbeatMs),
        Duration.ofMillis(requestTimeoutMs), Duration.ofMillis(drainTimeoutMs), maxLaneBatch, lanePipeline,
        new Speculation(speculativeParts, Duration.ofMillis(speculativeStackMs)),
        new EntryPacing(Duration.ofMillis(entryGapMs), entryFill, busyCpuPercent, entryMinItems, entryGapLooks),
        lsnRequestsInFlight, lsnBatchLimit, maxTxBytes, readyFile);
  }

  private static List<String> list(String csv) {
    return csv == null ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  @Override
  public Integer call() throws Exception {
    VirtualMasterServer server = new VirtualMasterServer(config());
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
    CommandLine cli = new CommandLine(new VirtualMasterMain());
    cli.setParameterExceptionHandler((ex, a) -> {
      cli.getErr().println("vmaster-server: " + ex.getMessage());
      cli.usage(cli.getErr());
      return 2;
    });
    cli.setExecutionExceptionHandler((ex, c, parsed) -> {
      if (ex instanceof IllegalArgumentException) {
        cli.getErr().println("vmaster-server: " + ex.getMessage());
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
