package io.shardlite.sequencer.launch;

import io.shardlite.common.config.PeerList;
import io.shardlite.common.launch.JavaProcessSpec;
import io.shardlite.common.launch.ManagedProcess;
import io.shardlite.common.launch.Ports;
import io.shardlite.common.launch.ReadyFile;
import io.shardlite.sequencer.server.SequencerServerMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequencer replicas as separate JVM processes on 127.0.0.1, each with fixed Raft and gRPC ports
 * (so a restarted replica is found where it was) and its own data directory. Used by the
 * integration tests, the benchmark and {@code shardlite local}.
 */
public final class LocalSequencerCluster implements AutoCloseable {
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path baseDir;
  private final int shards;
  private final List<String> extraArgs;
  private final List<String> jvmOptions;
  private final Map<String, Replica> replicas = new LinkedHashMap<>();
  private final Map<String, String> peers = new LinkedHashMap<>();

  /** One replica: fixed identity and ports, the process of its current incarnation. */
  public static final class Replica {
    private final String id;
    private final int ratisPort;
    private final int grpcPort;
    private final Path dataDir;
    private ManagedProcess process;
    private int metricsPort;

    Replica(String id, int ratisPort, int grpcPort, Path dataDir) {
      this.id = id;
      this.ratisPort = ratisPort;
      this.grpcPort = grpcPort;
      this.dataDir = dataDir;
    }

    public String id() {
      return id;
    }

    public String endpoint() {
      return "127.0.0.1:" + grpcPort;
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

    public Path logFile() {
      return dataDir.resolveSibling(id + ".log");
    }
  }

  /**
   * @param extraArgs flags passed to every replica (e.g. a low {@code --snapshot-threshold})
   */
  public LocalSequencerCluster(Path baseDir, int size, int shards, List<String> extraArgs, List<String> jvmOptions) {
    this.baseDir = baseDir;
    this.shards = shards;
    this.extraArgs = List.copyOf(extraArgs);
    this.jvmOptions = List.copyOf(jvmOptions);
    int[] ports = Ports.freePorts(2 * size);
    for (int i = 0; i < size; i++) {
      String id = "q" + (i + 1);
      replicas.put(id, new Replica(id, ports[2 * i], ports[2 * i + 1], baseDir.resolve(id)));
      peers.put(id, "127.0.0.1:" + ports[2 * i]);
    }
  }

  /** Starts every replica and waits until all serve. */
  public LocalSequencerCluster start() {
    replicas.values().forEach(this::launch);
    replicas.values().forEach(this::awaitReady);
    return this;
  }

  public Replica replica(String id) {
    Replica r = replicas.get(id);
    if (r == null) {
      throw new IllegalArgumentException("no replica " + id + " (have " + replicas.keySet() + ")");
    }
    return r;
  }

  public List<Replica> replicas() {
    return new ArrayList<>(replicas.values());
  }

  /** The gRPC endpoints of all replicas (host:port), for {@code SequencerClient}. */
  public List<String> endpoints() {
    return replicas.values().stream().map(Replica::endpoint).toList();
  }

  /** {@code kill -9}: no shutdown hook runs. */
  public void kill9(String id) {
    replica(id).process.kill9();
  }

  public void stop(String id) {
    replica(id).process.stop(Duration.ofSeconds(15));
  }

  /** Starts a stopped or killed replica again on the same ports and data directory. */
  public void restart(String id) {
    Replica r = replica(id);
    if (r.isAlive()) {
      throw new IllegalStateException(id + " is still running (pid " + r.pid() + ")");
    }
    launch(r);
    awaitReady(r);
  }

  private void launch(Replica r) {
    try {
      Files.createDirectories(r.dataDir);
      Files.deleteIfExists(readyFile(r));
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + r.dataDir, e);
    }
    List<String> args = new ArrayList<>(List.of(
        "--node-id", r.id,
        "--data-dir", r.dataDir.toString(),
        "--bind-address", "127.0.0.1",
        "--ratis-port", Integer.toString(r.ratisPort),
        "--grpc-port", Integer.toString(r.grpcPort),
        "--metrics-port", "0",
        "--peers", PeerList.format(peers),
        "--shards", Integer.toString(shards),
        "--ready-file", readyFile(r).toString()));
    args.addAll(extraArgs);
    r.process = ManagedProcess.start(new JavaProcessSpec("sequencer-" + r.id, SequencerServerMain.class.getName(),
        args, Map.of(), jvmOptions, r.logFile()));
  }

  private void awaitReady(Replica r) {
    Map<String, String> ready = ReadyFile.await(readyFile(r), r.process, START_TIMEOUT);
    r.metricsPort = Integer.parseInt(ready.get("metrics.port"));
  }

  private static Path readyFile(Replica r) {
    return r.dataDir.resolve("ready.properties");
  }

  @Override
  public void close() {
    for (Replica r : replicas.values()) {
      if (r.process != null) {
        r.process.stop(Duration.ofSeconds(10));
      }
    }
  }
}
