package io.shardlite.vmaster.launch;

import io.shardlite.common.launch.JavaProcessSpec;
import io.shardlite.common.launch.ManagedProcess;
import io.shardlite.common.launch.Ports;
import io.shardlite.common.launch.ReadyFile;
import io.shardlite.vmaster.server.VirtualMasterMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Virtual masters as separate JVM processes on 127.0.0.1, each on a fixed client port (so a
 * restarted one is found where it was). Used by the integration tests and {@code shardlite local}.
 */
public final class LocalVmCluster implements AutoCloseable {
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path baseDir;
  private final List<String> sequencer;
  private final List<String> shardServers;
  private final int shards;
  private final List<String> extraArgs;
  private final Map<String, List<String>> argsByVm = new java.util.HashMap<>();
  private final List<String> jvmOptions;
  private final Map<String, Vm> vms = new LinkedHashMap<>();

  /** One virtual master: fixed id and port, the process of its current incarnation. */
  public static final class Vm {
    private final String id;
    private final int grpcPort;
    private final Path dir;
    private ManagedProcess process;
    private int metricsPort;

    Vm(String id, int grpcPort, Path dir) {
      this.id = id;
      this.grpcPort = grpcPort;
      this.dir = dir;
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

    public boolean isAlive() {
      return process != null && process.isAlive();
    }

    public long pid() {
      return process.pid();
    }

    public Path logFile() {
      return dir.resolveSibling(id + ".log");
    }
  }

  public LocalVmCluster(Path baseDir, int count, List<String> sequencer, List<String> shardServers, int shards,
      List<String> extraArgs, List<String> jvmOptions) {
    this.baseDir = baseDir;
    this.sequencer = List.copyOf(sequencer);
    this.shardServers = List.copyOf(shardServers);
    this.shards = shards;
    this.extraArgs = List.copyOf(extraArgs);
    this.jvmOptions = List.copyOf(jvmOptions);
    for (int i = 0; i < count; i++) {
      add();
    }
  }

  private Vm add() {
    String id = "vm" + (vms.size() + 1);
    Vm vm = new Vm(id, Ports.freePort(), baseDir.resolve(id));
    vms.put(id, vm);
    return vm;
  }

  /** Extra arguments for one virtual master only (e.g. a cluster whose members differ); before it starts. */
  public LocalVmCluster withArgs(String vmId, List<String> args) {
    argsByVm.put(vmId, List.copyOf(args));
    return this;
  }

  public LocalVmCluster start() {
    vms.values().forEach(this::launch);
    vms.values().forEach(this::awaitReady);
    return this;
  }

  /** Starts one more virtual master (scaling up). */
  public Vm startAnother() {
    Vm vm = add();
    launch(vm);
    awaitReady(vm);
    return vm;
  }

  public Vm vm(String id) {
    Vm vm = vms.get(id);
    if (vm == null) {
      throw new IllegalArgumentException("no virtual master " + id + " (have " + vms.keySet() + ")");
    }
    return vm;
  }

  public List<Vm> vms() {
    return new ArrayList<>(vms.values());
  }

  /** The client endpoints of the running virtual masters. */
  public List<String> endpoints() {
    return vms.values().stream().map(Vm::endpoint).toList();
  }

  public void kill9(String id) {
    vm(id).process.kill9();
  }

  /** SIGTERM: the virtual master drains (hands its shards over) before it exits. */
  public void stop(String id) {
    vm(id).process.stop(Duration.ofSeconds(30));
  }

  public void restart(String id) {
    Vm vm = vm(id);
    if (vm.isAlive()) {
      throw new IllegalStateException(id + " is still running (pid " + vm.pid() + ")");
    }
    launch(vm);
    awaitReady(vm);
  }

  private void launch(Vm vm) {
    try {
      Files.createDirectories(vm.dir);
      Files.deleteIfExists(readyFile(vm));
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + vm.dir, e);
    }
    List<String> args = new ArrayList<>(List.of(
        "--vm-id", vm.id,
        "--bind-address", "127.0.0.1",
        "--grpc-port", Integer.toString(vm.grpcPort),
        "--metrics-port", "0",
        "--sequencer", String.join(",", sequencer),
        "--shard-servers", String.join(",", shardServers),
        "--shards", Integer.toString(shards),
        "--ready-file", readyFile(vm).toString()));
    args.addAll(extraArgs);
    args.addAll(argsByVm.getOrDefault(vm.id, List.of()));
    vm.process = ManagedProcess.start(new JavaProcessSpec("vmaster-" + vm.id, VirtualMasterMain.class.getName(), args,
        Map.of(), jvmOptions, vm.logFile()));
  }

  private void awaitReady(Vm vm) {
    Map<String, String> ready = ReadyFile.await(readyFile(vm), vm.process, START_TIMEOUT);
    vm.metricsPort = Integer.parseInt(ready.get("metrics.port"));
  }

  private static Path readyFile(Vm vm) {
    return vm.dir.resolve("ready.properties");
  }

  @Override
  public void close() {
    for (Vm vm : vms.values()) {
      if (vm.process != null) {
        vm.process.stop(Duration.ofSeconds(30));
      }
    }
  }
}
