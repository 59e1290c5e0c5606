package io.shardlite.client.cli;

import io.shardlite.shard.launch.LocalShardCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardlite local}: starts a cluster on 127.0.0.1 with no Kubernetes, as child processes,
 * prints its endpoints, and stops everything on Ctrl-C. Today that is the shard layer (3 shard
 * servers hosting the shard groups); the sequencer and virtual masters join it as they land.
 */
@Command(name = "local", mixinStandardHelpOptions = true, description = "Start a local cluster on 127.0.0.1.")
final class LocalCommand implements Callable<Integer> {
  @Option(names = "--servers", defaultValue = "3", description = "Shard servers (default ${DEFAULT-VALUE}).")
  int servers;

  @Option(names = "--shards", defaultValue = "16", description = "Shards (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--replication-factor", defaultValue = "3", description = "Replicas per shard (default ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(names = "--data-dir", description = "Where servers keep their data (default: a new temporary directory).")
  Path dataDir;

  @Option(names = "--demo", description = "Run a bank-transfer workload for a few seconds, print results, and stop.")
  boolean demo;

  @Option(names = "--demo-seconds", defaultValue = "5", description = "Length of the demo workload (default ${DEFAULT-VALUE}).")
  int demoSeconds;

  @Option(names = "--server-arg", description = "Extra flag passed to every shard server, repeatable (e.g. --server-arg=--snapshot-threshold=500).")
  List<String> serverArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (replicationFactor > servers) {
      System.err.printf("replication factor %d needs at least %d servers%n", replicationFactor, replicationFactor);
      return 2;
    }
    boolean temporary = dataDir == null;
    Path dir = temporary ? Files.createTempDirectory("shardlite-local-") : Files.createDirectories(dataDir);
    System.out.printf("starting %d shard servers hosting %d shards (replication factor %d) in %s%n", servers, shards,
        replicationFactor, dir);
    LocalShardCluster cluster = new LocalShardCluster(dir, servers, shards, replicationFactor, serverArgs,
        LocalShardCluster.defaultJvmOptions());
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      cluster.close();
      if (temporary) {
        deleteTree(dir);
      }
      done.countDown();
    }, "stop-local-cluster");
    Runtime.getRuntime().addShutdownHook(hook);
    cluster.start();
    List<String> endpoints = new ArrayList<>();
    for (LocalShardCluster.Node n : cluster.nodes()) {
      endpoints.add("127.0.0.1:" + n.grpcPort());
      System.out.printf("  %s: pid %d, gRPC 127.0.0.1:%d, metrics http://127.0.0.1:%d/metrics, log %s%n", n.id(), n.pid(),
          n.grpcPort(), n.metricsPort(), n.logFile());
    }
    System.out.printf("try: shardlite status -s %s%n", String.join(",", endpoints));
    System.out.printf("     shardlite sql -s %s --shard 0 \"SELECT 1\"%n", endpoints.get(0));
    if (demo) {
      boolean ok = new BankDemo(cluster, demoSeconds, System.out).run();
      Runtime.getRuntime().removeShutdownHook(hook);
      cluster.close();
      if (temporary) {
        deleteTree(dir);
      }
      return ok ? 0 : 1;
    }
    System.out.println("running; Ctrl-C stops every server" + (temporary ? " and deletes " + dir : ""));
    done.await();
    return 0;
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
