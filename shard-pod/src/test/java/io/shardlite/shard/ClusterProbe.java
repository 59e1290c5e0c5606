package io.shardlite.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.DumpResponse;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.WriteBatch;
import io.shardlite.shard.launch.LocalShardCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Test-side helpers over a {@link LocalShardCluster}: retried writes, convergence, dumps, metrics. */
final class ClusterProbe {
  private final LocalShardCluster cluster;

  ClusterProbe(LocalShardCluster cluster) {
    this.cluster = cluster;
  }

  /** Writes with the same tx id until the outcome is known; retries only retryable errors. */
  ShardResult writeRetrying(int shard, WriteBatch batch, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    ShardliteException last = null;
    int attempt = 0;
    while (System.nanoTime() < deadline) {
      List<LocalShardCluster.Node> alive = cluster.nodes().stream().filter(LocalShardCluster.Node::isAlive).toList();
      LocalShardCluster.Node node = alive.get(Math.floorMod(shard + attempt++, alive.size()));
      try {
        ShardResult r = node.client().write(shard, batch);
        if (!r.hasError() || !r.getError().getRetryable()) {
          return r;
        }
        last = ShardliteException.fromProto(r.getError());
      } catch (ShardliteException e) {
        if (!e.retryable()) {
          throw e;
        }
        last = e;
      } catch (IllegalStateException | NullPointerException restarting) {
        // the node is between incarnations
      }
      pause(50 + ThreadLocalRandom.current().nextInt(50));
    }
    throw new AssertionError("write to shard " + shard + " did not complete within " + budget, last);
  }

  /** Status of every replica of every shard, from every live node. */
  Map<Integer, List<GroupStatus>> replicas() {
    Map<Integer, List<GroupStatus>> byShard = new HashMap<>();
    for (LocalShardCluster.Node n : cluster.nodes()) {
      if (!n.isAlive()) {
        continue;
      }
      for (GroupStatus g : n.client().listGroups().getGroupsList()) {
        byShard.computeIfAbsent(g.getShardId(), k -> new ArrayList<>()).add(g.toBuilder().setLeaderId(
            n.id() + "|" + g.getLeaderId()).build());
      }
    }
    return byShard;
  }

  /** Waits until every shard has the expected replica count and all replicas applied the same index. */
  void awaitConverged(int replicasPerShard, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      Map<Integer, List<GroupStatus>> all = replicas();
      assertThat(all).hasSize(cluster.shards());
      all.forEach((shard, reps) -> {
        assertThat(reps).as("replicas of shard %d", shard).hasSize(replicasPerShard);
        long applied = reps.get(0).getAppliedIndex();
        assertThat(reps).as("applied indexes of shard %d", shard).allMatch(g -> g.getAppliedIndex() == applied);
        assertThat(reps).as("commit indexes of shard %d", shard).allMatch(g -> g.getCommitIndex() == applied);
      });
    });
  }

  /** Waits until all replicas of one shard applied the same, committed index. */
  void awaitShardConverged(int shard, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      List<GroupStatus> reps = replicas().get(shard);
      assertThat(reps).as("replicas of shard %d", shard).isNotNull().hasSizeGreaterThanOrEqualTo(1);
      long applied = reps.get(0).getAppliedIndex();
      assertThat(reps).allMatch(g -> g.getAppliedIndex() == applied && g.getCommitIndex() == applied);
    });
  }

  /** The dump of one shard on one node. */
  DumpResponse dump(String nodeId, int shard) {
    return cluster.node(nodeId).client().dump(shard, false);
  }

  /** Node id of each replica of the shard, per the live nodes' listings. */
  List<String> replicaNodes(int shard) {
    List<String> out = new ArrayList<>();
    for (LocalShardCluster.Node n : cluster.nodes()) {
      if (n.isAlive() && n.client().listGroups().getGroupsList().stream().anyMatch(g -> g.getShardId() == shard)) {
        out.add(n.id());
      }
    }
    return out;
  }

  /** Sum of a Prometheus counter/gauge over all its label sets on one node. */
  double metric(String nodeId, String name) throws IOException, InterruptedException {
    int port = cluster.node(nodeId).metricsPort();
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    double sum = 0;
    for (String line : r.body().split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  static WriteBatch batch(String txId, Object[]... statements) {
    WriteBatch.Builder b = WriteBatch.newBuilder().setTxId(txId);
    for (Object[] s : statements) {
      Object[] params = new Object[s.length - 1];
      System.arraycopy(s, 1, params, 0, params.length);
      b.addStatements(Statements.of((String) s[0], params));
    }
    return b.build();
  }

  static Object[] sql(String sql, Object... params) {
    Object[] out = new Object[params.length + 1];
    out[0] = sql;
    System.arraycopy(params, 0, out, 1, params.length);
    return out;
  }

  /** A fresh directory under target/ for one test's cluster; kept after the run for its logs. */
  static java.nio.file.Path clusterDir(String name) throws IOException {
    java.nio.file.Path dir = java.nio.file.Path.of("target", "it-clusters", name + "-" + System.currentTimeMillis());
    return java.nio.file.Files.createDirectories(dir).toAbsolutePath();
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
