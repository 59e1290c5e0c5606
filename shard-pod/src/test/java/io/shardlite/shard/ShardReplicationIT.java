package io.shardlite.shard;

import static io.shardlite.shard.ClusterProbe.batch;
import static io.shardlite.shard.ClusterProbe.sql;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.DumpResponse;
import io.shardlite.proto.ShardResult;
import io.shardlite.shard.launch.LocalShardCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Three shard servers (separate JVMs) hosting eight groups: a write load during which one server is
 * killed with SIGKILL and later restarted; afterwards every replica holds the same content and no
 * entry was applied twice. Snapshots and log purging are frequent, so the restarted server must
 * catch up from a snapshot copy.
 */
class ShardReplicationIT {
  private static final int SHARDS = 8;
  private static final int WRITES = 10_000;
  private static final int CLIENTS = 64;

  @Test
  void writesSurviveKillNineAndEveryReplicaConverges() throws Exception {
    Path dir = ClusterProbe.clusterDir("replication");
    List<String> frequentSnapshots = List.of("--snapshot-threshold", "200", "--log-purge-gap", "50",
        "--log-segment-bytes", "32768");
    try (LocalShardCluster cluster = new LocalShardCluster(dir, 3, SHARDS, 3, frequentSnapshots,
        LocalShardCluster.defaultJvmOptions()).start()) {
      ClusterProbe probe = new ClusterProbe(cluster);
      for (int s = 0; s < SHARDS; s++) {
        ShardResult r = probe.writeRetrying(s, batch("schema-" + s,
            sql("CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT NOT NULL, shard INTEGER NOT NULL)"),
            sql("CREATE TABLE applied(n INTEGER NOT NULL)"),
            sql("INSERT INTO applied VALUES (0)")), Duration.ofSeconds(60));
        assertThat(r.hasError()).as("schema on shard %d: %s", s, r.getError()).isFalse();
      }

      AtomicInteger next = new AtomicInteger();
      AtomicInteger done = new AtomicInteger();
      Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      List<Future<?>> writers = new java.util.ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        writers.add(pool.submit(() -> {
          for (int k; (k = next.getAndIncrement()) < WRITES; ) {
            int shard = k % SHARDS;
            // Not idempotent by itself: a second application would bump the counter twice.
            ShardResult r = probe.writeRetrying(shard, batch("w-" + k,
                sql("INSERT INTO kv(k, v, shard) VALUES (?, ?, ?)", k, "value-" + k, shard),
                sql("UPDATE applied SET n = n + 1")), Duration.ofSeconds(90));
            assertThat(r.hasError()).as("write %d: %s", k, r.getError()).isFalse();
            acknowledged.add(k);
            done.incrementAndGet();
          }
          return null;
        }));
      }

      awaitProgress(done, 2_000, writers);
      String victim = "s3";
      long victimPid = cluster.node(victim).pid();
      cluster.kill9(victim);
      assertThat(ProcessHandle.of(victimPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      int atKill = done.get();
      awaitProgress(done, atKill + 4_000, writers);
      cluster.restart(victim);

      for (Future<?> w : writers) {
        w.get(5, java.util.concurrent.TimeUnit.MINUTES);
      }
      pool.shutdown();
      assertThat(acknowledged).hasSize(WRITES);

      probe.awaitConverged(3, Duration.ofSeconds(90));
      int total = 0;
      for (int s = 0; s < SHARDS; s++) {
        DumpResponse first = null;
        for (String node : probe.replicaNodes(s)) {
          DumpResponse d = probe.dump(node, s);
          assertThat(d.hasError()).isFalse();
          if (first == null) {
            first = d;
          } else {
            assertThat(d.getSha256()).as("dump of shard %d on %s", s, node).isEqualTo(first.getSha256());
            assertThat(d.getRowCount()).isEqualTo(first.getRowCount());
          }
        }
        ShardResult counts = cluster.node(victim).client().read(s, Consistency.FOLLOWER, 10_000, List.of(
            Statements.of("SELECT count(*), (SELECT n FROM applied) FROM kv"),
            Statements.of("SELECT count(*) FROM kv WHERE shard <> ?", s)));
        assertThat(counts.hasError()).as("read: %s", counts.getError()).isFalse();
        long rows = counts.getResults(0).getRows(0).getValues(0).getInteger();
        long applied = counts.getResults(0).getRows(0).getValues(1).getInteger();
        assertThat(applied).as("shard %d: entries applied exactly once", s).isEqualTo(rows);
        assertThat(rows).isEqualTo(WRITES / SHARDS);
        assertThat(counts.getResults(1).getRows(0).getValues(0).getInteger()).isZero();
        total += rows;
      }
      assertThat(total).isEqualTo(WRITES);
      // The log was purged while the victim was down: it caught up from snapshot copies.
      assertThat(probe.metric(victim, "shardlite_shard_snapshot_installs_total")).isPositive();
      assertThat(probe.metric("s1", "shardlite_shard_snapshots_total")).isPositive();
    }
  }

  /** Waits for the writers to reach a count; a writer that failed fails the test with its cause. */
  private static void awaitProgress(AtomicInteger done, int target, List<Future<?>> writers) throws Exception {
    org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
        .until(() -> done.get() >= target || writers.stream().anyMatch(Future::isDone));
    for (Future<?> w : writers) {
      if (w.isDone()) {
        w.get();
      }
    }
  }
}
