package io.shardlite.shard.launch;

import io.shardlite.common.launch.JavaProcessSpec;
import io.shardlite.common.launch.ManagedProcess;
import io.shardlite.common.launch.Ports;
import io.shardlite.common.launch.ReadyFile;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.shard.server.ShardServerConfig;
import io.shardlite.shard.server.ShardServerMain;
import io.shardlite.common.config.PeerList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shard servers as separate JVM processes on 127.0.0.1, each with its own ports and data
 * directory under one base directory. Used by the integration tests and by {@code shardlite local}.
 * Processes are stopped (or {@code kill -9}ed) by PID; a killed node restarts on the same ports and
 * data, as a pod would.
 */
public final class LocalShardCluster implements AutoCloseable {
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path baseDir;
  private final int shards;
  private final int replicationFactor;
  private final List<String> extraArgs;
  private final List<String> jvmOptions;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, String> initialPeers = new LinkedHashMap<>();

  /** One shard server: fixed identity and Raft port, the process of its current incarnation. */
  public static final class Node {
    private final String id;
    private final int ratisPort;
    private final Path dataDir;
    private ManagedProcess process;
    private int grpcPort;
    private int metricsPort;
    private ShardNodeClient client;

    Node(String id, int ratisPort, int grpcPort, Path dataDir) {
      this.id = id;
      this.ratisPort = ratisPort;
      this.grpcPort = grpcPort;
      this.dataDir = dataDir;
    }

    /** The gRPC endpoint (host:port); fixed across restarts, like a pod's DNS name. */
    public String endpoint() {
      return "127.0.0.1:" + grpcPort;
    }

    public String id() {
      return id;
    }

    public String raftAddress() {
      return "127.0.0.1:" + ratisPort;
    }

    public int grpcPort() {
      return grpcPort;
    }

    public int metricsPort() {
      return metricsPort;
    }

    public long pid() {
      return process.pid();
    }

    public boolean isAlive() {
      return process != null && process.isAlive();
    }

    public Path dataDir() {
      return dataDir;
    }

    public Path logFile() {
      return dataDir.resolveSibling(id + ".log");
    }

    /** A client of this node's gRPC port (valid until the node restarts). */
    public synchronized ShardNodeClient client() {
      if (client == null) {
        client = new ShardNodeClient("127.0.0.1", grpcPort, Duration.ofSeconds(15));
      }
      return client;
    }

    synchronized void dropClient() {
      if (client != null) {
        client.close();
        client = null;
      }
    }
  }

  /**
   * @param extraArgs flags passed to every server (e.g. a low {@code --snapshot-threshold})
   */
  public LocalShardCluster(Path baseDir, int servers, int shards, int replicationFactor, List<String> extraArgs,
      List<String> jvmOptions) {
    this.baseDir = baseDir;
    this.shards = shards;
    this.replicationFactor = replicationFactor;
    this.extraArgs = List.copyOf(extraArgs);
    this.jvmOptions = List.copyOf(jvmOptions);
    int[] ports = Ports.freePorts(2 * servers);
    for (int i = 0; i < servers; i++) {
      String id = "s" + (i + 1);
      nodes.put(id, new Node(id, ports[2 * i], ports[2 * i + 1], baseDir.resolve(id)));
      initialPeers.put(id, "127.0.0.1:" + ports[2 * i]);
    }
  }

  /**
   * Default JVM options for short-lived local servers sharing a small machine. C1 only
   * ({@code TieredStopAtLevel=1}): with several JVMs on 2 cores, C2 compiler threads otherwise take
   * a third of each server's CPU for minutes (measured; see bench/results). Long-running servers
   * on bigger machines should keep C2. The serial collector with a fixed 256 MB young generation:
   * with every core busy, a parallel collector's threads wait for CPU like all others, and a small
   * adaptive young generation promoted what lives a few seconds (entries in flight, replies kept
   * for retries) into old generations that kept filling, and collections stopped a server for
   * 60 ms to a second of wall time; measured in bench/results (lower p99, no loss of throughput).
   */
  public static List<String> defaultJvmOptions() {
    return List.of("-Xms512m", "-Xmx768m", "-Xmn256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-XX:+ExitOnOutOfMemoryError");
  }

  /** Starts every initial server and waits until all serve. */
  public LocalShardCluster start() {
    for (Node n : nodes.values()) {
      launch(n);
    }
    for (Node n : nodes.values()) {
      awaitReady(n);
    }
    return this;
  }

  /** Adds a server outside the initial placement: it starts empty and receives replicas by membership changes. */
  public Node addSpareNode() {
    String id = "s" + (nodes.size() + 1);
    int[] ports = Ports.freePorts(2);
    Node n = new Node(id, ports[0], ports[1], baseDir.resolve(id));
    nodes.put(id, n);
    launch(n);
    awaitReady(n);
    return n;
  }

  public Node node(String id) {
    Node n = nodes.get(id);
    if (n == null) {
      throw new IllegalArgumentException("no node " + id + " (have " + nodes.keySet() + ")");
    }
    return n;
  }

  public List<Node> nodes() {
    return new ArrayList<>(nodes.values());
  }

  /** The gRPC endpoints of all servers (host:port). */
  public List<String> endpoints() {
    return nodes.values().stream().map(Node::endpoint).toList();
  }

  public int shards() {
    return shards;
  }

  /** {@code kill -9}: no shutdown hook runs, nothing is flushed beyond what the process already made durable. */
  public void kill9(String id) {
    Node n = node(id);
    n.dropClient();
    n.process.kill9();
  }

  public void stop(String id) {
    Node n = node(id);
    n.dropClient();
    n.process.stop(Duration.ofSeconds(15));
  }

  /** Starts a stopped or killed node again on the same Raft port and data directory. */
  public void restart(String id) {
    Node n = node(id);
    if (n.isAlive()) {
      throw new IllegalStateException(id + " is still running (pid " + n.pid() + ")");
    }
    launch(n);
    awaitReady(n);
    // A client made while the node was down points at its old port.
    n.dropClient();
  }

  private void launch(Node n) {
    try {
      Files.createDirectories(n.dataDir);
      Files.deleteIfExists(readyFile(n));
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + n.dataDir, e);
    }
    List<String> args = new ArrayList<>(List.of(
        "--node-id", n.id,
        "--data-dir", n.dataDir.toString(),
        "--bind-address", "127.0.0.1",
        "--ratis-port", Integer.toString(n.ratisPort),
        "--grpc-port", Integer.toString(n.grpcPort),
        "--metrics-port", "0",
        "--peers", PeerList.format(initialPeers),
        "--shards", Integer.toString(shards),
        "--replication-factor", Integer.toString(replicationFactor),
        "--ready-file", readyFile(n).toString()));
    args.addAll(extraArgs);
    n.process = ManagedProcess.start(new JavaProcessSpec("shard-server-" + n.id, ShardServerMain.class.getName(), args,
        Map.of(), jvmOptions, n.logFile()));
  }

  private void awaitReady(Node n) {
    Map<String, String> ready = ReadyFile.await(readyFile(n), n.process, START_TIMEOUT);
    n.metricsPort = Integer.parseInt(ready.get("metrics.port"));
  }

  private static Path readyFile(Node n) {
    return n.dataDir.resolve("ready.properties");
  }

  @Override
  public void close() {
    for (Node n : nodes.values()) {
      n.dropClient();
      if (n.process != null) {
        n.process.stop(Duration.ofSeconds(10));
      }
    }
  }
}
