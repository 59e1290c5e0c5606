package io.shardlite.client.cli;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardlite local}: starts a whole cluster on 127.0.0.1 with no Kubernetes, as child
 * processes (3 sequencer replicas, 3 shard servers hosting the shards, 2 virtual masters), prints
 * its endpoints, and stops everything on Ctrl-C.
 */
@Command(name = "local", mixinStandardHelpOptions = true, description = "Start a local cluster on 127.0.0.1.")
final class LocalCommand implements Callable<Integer> {
  @Option(names = "--servers", defaultValue = "3", description = "Shard servers (default ${DEFAULT-VALUE}).")
  int servers;

  @Option(names = "--shards", defaultValue = "16", description = "Shards (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--replication-factor", defaultValue = "3", description = "Replicas per shard (default ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(names = "--vms", defaultValue = "2", description = "Virtual masters (default ${DEFAULT-VALUE}).")
  int vms;

  @Option(names = "--sequencers", defaultValue = "3", description = "Sequencer replicas: 1, 3 or 5 (default ${DEFAULT-VALUE}).")
  int sequencers;

  @Option(names = "--data-dir", description = "Where servers keep their data (default: a new temporary directory).")
  Path dataDir;

  @Option(names = "--demo", description = "Run a bank-transfer workload for a few seconds, print results, and stop.")
  boolean demo;

  @Option(names = "--demo-seconds", defaultValue = "5", description = "Length of the demo workload (default ${DEFAULT-VALUE}).")
  int demoSeconds;

  @Option(names = "--demo-warmup-seconds", defaultValue = "5",
      description = "Demo transfers before the measured seconds: checked like the rest, not counted in throughput or"
          + " latency, since freshly started JVMs run slowly at first (default ${DEFAULT-VALUE}).")
  int demoWarmupSeconds;

  @Option(names = "--demo-clients", defaultValue = "16", description = "Transfers in flight during the demo (default ${DEFAULT-VALUE}).")
  int demoClients;

  @Option(names = "--demo-cross-branch", defaultValue = "0", paramLabel = "PERCENT",
      description = "Percent of demo transfers between branches on different shards, as multi-shard transactions"
          + " (default ${DEFAULT-VALUE}: every transfer stays inside one branch, one shard).")
  int demoCrossBranch;

  @Option(names = "--jvm-option", description = "JVM option for every child process, repeatable; when given, replaces"
      + " the defaults for small machines (-Xmx768m, serial GC with a 256 MB young generation, C1 only),"
      + " e.g. --jvm-option=-Xmx2g.")
  List<String> jvmOptions = new ArrayList<>();

  @Option(names = "--server-arg", description = "Extra flag passed to every shard server, repeatable (e.g. --server-arg=--snapshot-threshold=500).")
  List<String> serverArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (replicationFactor > servers) {
      System.err.printf("replication factor %d needs at least %d servers%n", replicationFactor, replicationFactor);
      return 2;
    }
    if (demoCrossBranch < 0 || demoCrossBranch > 100 || demoClients < 1 || demoSeconds < 1
        || demoWarmupSeconds < 0) {
      System.err.println("--demo-cross-branch takes 0..100; --demo-clients and --demo-seconds at least 1;"
          + " --demo-warmup-seconds at least 0");
      return 2;
    }
    boolean temporary = dataDir == null;
    Path dir = temporary ? Files.createTempDirectory("shardlite-local-") : Files.createDirectories(dataDir);
    System.out.printf("starting %d sequencer replicas, %d shard servers hosting %d shards (replication factor %d) and %d"
        + " virtual masters in %s%n", sequencers, servers, shards, replicationFactor, vms, dir);
    List<String> jvm = jvmOptions.isEmpty() ? LocalShardCluster.defaultJvmOptions() : List.copyOf(jvmOptions);
    LocalSequencerCluster sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), sequencers, shards, List.of(), jvm);
    LocalShardCluster cluster = new LocalShardCluster(dir.resolve("shards"), servers, shards, replicationFactor, serverArgs, jvm);
    List<AutoCloseable> started = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stopAll(started);
      if (temporary) {
        deleteTree(dir);
      }
      done.countDown();
    }, "stop-local-cluster");
    Runtime.getRuntime().addShutdownHook(hook);
    started.add(sequencer);
    sequencer.start();
    started.add(cluster);
    cluster.start();
    LocalVmCluster vmCluster = new LocalVmCluster(dir.resolve("vms"), vms, sequencer.endpoints(), cluster.endpoints(),
        shards, List.of(), jvm);
    started.add(vmCluster);
    vmCluster.start();
    for (LocalSequencerCluster.Replica r : sequencer.replicas()) {
      System.out.printf("  sequencer %s: pid %d, gRPC %s, metrics http://127.0.0.1:%d/metrics%n", r.id(), r.pid(),
          r.endpoint(), r.metricsPort());
    }
    for (LocalShardCluster.Node n : cluster.nodes()) {
      System.out.printf("  shard server %s: pid %d, gRPC %s, Raft %s, metrics http://127.0.0.1:%d/metrics%n", n.id(),
          n.pid(), n.endpoint(), n.raftAddress(), n.metricsPort());
    }
    for (LocalVmCluster.Vm vm : vmCluster.vms()) {
      System.out.printf("  virtual master %s: pid %d, client API %s, metrics http://127.0.0.1:%d/metrics%n", vm.id(),
          vm.pid(), vm.endpoint(), vm.metricsPort());
    }
    System.out.printf("client endpoints: %s%n", String.join(",", vmCluster.endpoints()));
    System.out.printf("connect: shardlite sql -s %s -k SHARD_KEY \"SQL\"   (no SQL: interactive shell)%n",
        String.join(",", vmCluster.endpoints()));
    System.out.printf("status:  shardlite status -s %s%n", String.join(",", sequencer.endpoints()) + ","
        + String.join(",", cluster.endpoints()) + "," + String.join(",", vmCluster.endpoints()));
    System.out.printf("placement: shardlite rebalance --shards %d --replication-factor %d -s %s%n", shards,
        replicationFactor, String.join(",", cluster.nodes().stream()
            .map(n -> n.id() + "=" + n.endpoint() + "/" + n.raftAddress()).toList()));
    if (demo) {
      boolean ok;
      try (ShardliteClient client = new ShardliteClient(vmCluster.endpoints(), Duration.ofSeconds(30))) {
        ok = new BankDemo(client, shards, demoSeconds, demoWarmupSeconds, demoClients, demoCrossBranch / 100.0, System.out).run();
      }
      Runtime.getRuntime().removeShutdownHook(hook);
      stopAll(started);
      if (temporary) {
        deleteTree(dir);
      }
      return ok ? 0 : 1;
    }
    System.out.println("running; Ctrl-C stops every process" + (temporary ? " and deletes " + dir : ""));
    done.await();
    return 0;
  }

  /** Stops in reverse start order: virtual masters drain while shards and sequencer still run. */
  private static void stopAll(List<AutoCloseable> started) {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        System.err.println("stopping: " + e.getMessage());
      }
    }
    started.clear();
  }

  /** Removes a data directory this command created (a temporary one, never --data-dir). */
  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      System.err.println("could not remove " + dir + ": " + e.getMessage());
    }
  }
}
