package io.shardlite.shard.server;

import io.shardlite.common.config.PeerList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shard-server}: runs one shard pod. Every flag has an environment variable; flags win. */
@Command(name = "shard-server", mixinStandardHelpOptions = true,
    description = "Runs a shardlite shard server: one Ratis server hosting many SQLite shard groups.")
public final class ShardServerMain implements Callable<Integer> {
  private static final String FJP_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  @Option(names = "--node-id", required = true, defaultValue = "${env:SHARDLITE_NODE_ID}",
      description = "This server's Raft peer id (env SHARDLITE_NODE_ID).")
  String nodeId;

  @Option(names = "--cluster", defaultValue = "${env:SHARDLITE_CLUSTER:-shardlite}",
      description = "Cluster name; shard group ids derive from it (env SHARDLITE_CLUSTER, default ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--data-dir", defaultValue = "${env:SHARDLITE_DATA_DIR:-data}",
      description = "Directory for Raft logs, snapshots and SQLite files (env SHARDLITE_DATA_DIR, default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--bind-address", defaultValue = "${env:SHARDLITE_BIND_ADDRESS:-0.0.0.0}",
      description = "Address all ports bind to (env SHARDLITE_BIND_ADDRESS, default ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(names = "--ratis-port", defaultValue = "${env:SHARDLITE_RATIS_PORT:-7000}",
      description = "Raft port; must match this node's address in --peers (env SHARDLITE_RATIS_PORT, default ${DEFAULT-VALUE}).")
  int ratisPort;

  @Option(names = "--grpc-port", defaultValue = "${env:SHARDLITE_GRPC_PORT:-7001}",
      description = "gRPC data and admin port, 0 = ephemeral (env SHARDLITE_GRPC_PORT, default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--metrics-port", defaultValue = "${env:SHARDLITE_METRICS_PORT:-7002}",
      description = "HTTP port for /metrics, /healthz, /readyz; 0 = ephemeral, -1 = off (env SHARDLITE_METRICS_PORT, default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--peers", defaultValue = "${env:SHARDLITE_PEERS:-}",
      description = "Initial shard servers as id=host:ratisPort,... used for the first start's placement (env SHARDLITE_PEERS).")
  String peers;

  @Option(names = "--shards", defaultValue = "${env:SHARDLITE_SHARDS:-16}",
      description = "Number of shards in the cluster (env SHARDLITE_SHARDS, default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--replication-factor", defaultValue = "${env:SHARDLITE_REPLICATION_FACTOR:-3}",
      description = "Replicas per shard at bootstrap (env SHARDLITE_REPLICATION_FACTOR, default ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(names = "--max-batch-bytes", defaultValue = "${env:SHARDLITE_MAX_BATCH_BYTES:-1048576}",
      description = "Largest accepted write batch in bytes (env SHARDLITE_MAX_BATCH_BYTES, default ${DEFAULT-VALUE}).")
  int maxBatchBytes;

  @Option(names = "--snapshot-threshold", defaultValue = "${env:SHARDLITE_SNAPSHOT_THRESHOLD:-10000}",
      description = "Entries between snapshots of a shard (env SHARDLITE_SNAPSHOT_THRESHOLD, default ${DEFAULT-VALUE}).")
  long snapshotThreshold;

  @Option(names = "--log-segment-bytes", defaultValue = "${env:SHARDLITE_LOG_SEGMENT_BYTES:-1048576}",
      description = "Raft log segment size; purging frees whole segments, and each group keeps up to three on the heap"
          + " (env SHARDLITE_LOG_SEGMENT_BYTES, default ${DEFAULT-VALUE}).")
  long logSegmentBytes;

  @Option(names = "--log-purge-gap", defaultValue = "${env:SHARDLITE_LOG_PURGE_GAP:-1024}",
      description = "Entries between log purges (env SHARDLITE_LOG_PURGE_GAP, default ${DEFAULT-VALUE}).")
  int logPurgeGap;

  @Option(names = "--election-timeout-ms", defaultValue = "${env:SHARDLITE_ELECTION_TIMEOUT_MS:-1000}",
      description = "Minimum Raft election timeout; the maximum is twice it (env SHARDLITE_ELECTION_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
  long electionTimeoutMs;

  @Option(names = "--request-timeout-ms", defaultValue = "${env:SHARDLITE_REQUEST_TIMEOUT_MS:-10000}",
      description = "Default deadline of a write or read (env SHARDLITE_REQUEST_TIMEOUT_MS, default ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(names = "--follower-max-lag-ms", defaultValue = "${env:SHARDLITE_FOLLOWER_MAX_LAG_MS:-1000}",
      description = "Default staleness bound of follower reads (env SHARDLITE_FOLLOWER_MAX_LAG_MS, default ${DEFAULT-VALUE}).")
  long followerMaxLagMs;

  @Option(names = "--proposals-in-flight", defaultValue = "${env:SHARDLITE_PROPOSALS_IN_FLIGHT:-1}",
      description = "Raft entries a shard may have outstanding; later writes are grouped into the next entry (env SHARDLITE_PROPOSALS_IN_FLIGHT, default ${DEFAULT-VALUE}).")
  int proposalsInFlight;

  @Option(names = "--ready-file", defaultValue = "${env:SHARDLITE_READY_FILE}",
      description = "Written (key=value lines: ports, pid) once the server serves (env SHARDLITE_READY_FILE).")
  Path readyFile;

  @Option(names = "--ratis-property", paramLabel = "KEY=VALUE",
      description = "Expert: a raw Apache Ratis property applied last, repeatable (e.g. raft.server.log.force.sync.num=1).")
  java.util.Map<String, String> ratisProperties = new java.util.LinkedHashMap<>();

  @Option(names = "--bootstrap", defaultValue = "${env:SHARDLITE_BOOTSTRAP:-auto}",
      description = "auto: a first start (empty data directory) creates this server's replicas of the initial placement;"
          + " never: it starts empty and waits to be given replicas (set once the cluster exists, so a replaced volume"
          + " never votes with an empty log) (env SHARDLITE_BOOTSTRAP, default ${DEFAULT-VALUE}).")
  String bootstrap;

  ShardServerConfig config() {
    if (!"auto".equals(bootstrap) && !"never".equals(bootstrap)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--bootstrap must be auto or never, got '" + bootstrap + "'");
    }
    return new ShardServerConfig(nodeId, cluster, dataDir, bindAddress, ratisPort, grpcPort, metricsPort,
        PeerList.parse(peers), shards, replicationFactor, maxBatchBytes, snapshotThreshold,
        logSegmentBytes, logPurgeGap, Duration.ofMillis(electionTimeoutMs), Duration.ofMillis(requestTimeoutMs),
        Duration.ofMillis(followerMaxLagMs), proposalsInFlight, readyFile, ratisProperties, "auto".equals(bootstrap));
  }

  @Override
  public Integer call() throws Exception {
    ShardServer server = new ShardServer(config());
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
    // Ratis completes follower appends with CompletableFuture's default async pool. With a common
    // pool parallelism below 2 (any machine or pod with <= 2 CPUs) Java starts a new thread per
    // task instead: one thread per log append. Must run before anything touches ForkJoinPool.
    if (System.getProperty(FJP_PARALLELISM) == null) {
      System.setProperty(FJP_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
    CommandLine cli = new CommandLine(new ShardServerMain());
    cli.setParameterExceptionHandler((ex, a) -> {
      cli.getErr().println("shard-server: " + ex.getMessage());
      cli.usage(cli.getErr());
      return 2;
    });
    int code = cli.execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
