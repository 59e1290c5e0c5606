package io.shardlite.shard;

import static io.shardlite.shard.ClusterProbe.batch;
import static io.shardlite.shard.ClusterProbe.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.placement.PlacementTarget;
import io.shardlite.common.placement.RebalanceStep;
import io.shardlite.common.shard.GrpcShardMembership;
import io.shardlite.common.shard.Rebalancer;
import io.shardlite.common.shard.ShardServerAddress;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.DumpResponse;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.Row;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.WriteBatch;
import io.shardlite.shard.launch.LocalShardCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rebalancing on real processes: three shard servers with eight groups (RF 3) under a write load;
 * a fourth server, not among the initial peers, starts empty; the {@link Rebalancer} moves replicas
 * onto it until every server holds six; then the fourth is the leaving one and is emptied again,
 * stopped, and the cluster keeps serving. A watcher checks all along that no group's configuration
 * ever has fewer than three members; at each end every replica's dump is identical and every
 * acknowledged write is there. Snapshots are frequent, so new members catch up from a snapshot copy.
 * Second case: a leaving server killed with SIGKILL is drained while down; when it comes back, the
 * copies it still holds (removed from their groups meanwhile) are dropped.
 */
class RebalanceIT {
  private static final int SHARDS = 8;
  private static final int RF = 3;
  private static final int WRITERS = 4;
  private static final Duration BUDGET = Duration.ofSeconds(60);

  @Test
  void replicasMoveOntoANewServerAndOffItAgainUnderWritesWithoutLosingAnything() throws Exception {
    List<String> frequentSnapshots = List.of("--snapshot-threshold", "200", "--log-purge-gap", "50",
        "--log-segment-bytes", "32768");
    try (LocalShardCluster cluster = new LocalShardCluster(ClusterProbe.clusterDir("rebalance"), 3, SHARDS, RF,
        frequentSnapshots, LocalShardCluster.defaultJvmOptions()).start()) {
      Writers writers = new Writers(cluster);
      for (int s = 0; s < SHARDS; s++) {
        writers.writeOrFail(s, batch("schema-" + s, sql("CREATE TABLE kv(k INTEGER PRIMARY KEY, shard INTEGER NOT NULL)")));
      }
      writers.start();
      writers.awaitMore(100);

      LocalShardCluster.Node spare = cluster.addSpareNode();
      // the first calls may find the channel backing off from a connection tried while the server started
      await().atMost(BUDGET).ignoreExceptions().untilAsserted(() ->
          assertThat(spare.client().listGroups().getGroupsCount()).as("a server outside the initial peers starts empty")
              .isZero());
      MembershipWatcher watcher = new MembershipWatcher(cluster);
      watcher.start();
      List<String> ordinals = List.of("s1", "s2", "s3", "s4");
      try (GrpcShardMembership membership = new GrpcShardMembership(addresses(cluster, ordinals), Duration.ofSeconds(10),
          Duration.ofSeconds(60))) {
        Rebalancer rebalancer = new Rebalancer(membership, new Rebalancer.Settings(2, 1000, Duration.ofSeconds(30),
            Duration.ofMillis(200)));

        // scale out: 3 -> 4 servers
        Rebalancer.Round out = rebalancer.runUntilDone(SHARDS, PlacementTarget.ofOrdinals(ordinals, 4, RF),
            Duration.ofSeconds(90), RebalanceIT::log);
        assertThat(out.done()).as("scale-out finished: %s", out.plan().progress().summary()).isTrue();
        assertThat(replicasPerServer(cluster)).containsExactly(Map.entry("s1", 6), Map.entry("s2", 6),
            Map.entry("s3", 6), Map.entry("s4", 6));
        int atScaleOut = writers.acknowledged();
        writers.awaitMore(atScaleOut + 50);
        writers.pause();
        assertEveryReplicaHoldsEveryAcknowledgedWrite(cluster, writers);
        writers.resume();
        writers.awaitMore(writers.acknowledged() + 50);

        // scale in: 4 -> 3 servers, s4 leaves
        Rebalancer.Round in = rebalancer.runUntilDone(SHARDS, PlacementTarget.ofOrdinals(ordinals, 3, RF),
            Duration.ofSeconds(90), RebalanceIT::log);
        assertThat(in.done()).as("scale-in finished: %s", in.plan().progress().summary()).isTrue();
        assertThat(in.plan().progress().leavingNodesEmpty()).isTrue();
        assertThat(spare.client().listGroups().getGroupsCount()).as("groups left on the leaving server").isZero();
        assertThat(replicasPerServer(cluster)).containsExactly(Map.entry("s1", 8), Map.entry("s2", 8),
            Map.entry("s3", 8), Map.entry("s4", 0));
      }
      watcher.stop();
      assertThat(watcher.fewestMembers()).as("fewest members any group had during the moves").isEqualTo(RF);
      assertThat(watcher.observations()).isGreaterThan(10);

      cluster.stop("s4");
      int beforeStop = writers.acknowledged();
      writers.awaitMore(beforeStop + 50);
      writers.stop();
      assertEveryReplicaHoldsEveryAcknowledgedWrite(cluster, writers);
      System.out.printf("rebalance: %d writes acknowledged, all on every replica%n", writers.acknowledged());
    }
  }

  @Test
  void aLeavingServerThatCrashedIsDrainedAndItsLeftoverCopiesAreDroppedWhenItReturns() throws Exception {
    try (LocalShardCluster cluster = new LocalShardCluster(ClusterProbe.clusterDir("rebalance-crashed"), 4, SHARDS, RF,
        List.of(), LocalShardCluster.defaultJvmOptions()).start()) {
      Writers writers = new Writers(cluster);
      for (int s = 0; s < SHARDS; s++) {
        writers.writeOrFail(s, batch("schema-" + s, sql("CREATE TABLE kv(k INTEGER PRIMARY KEY, shard INTEGER NOT NULL)")));
      }
      writers.start();
      writers.awaitMore(100);
      assertThat(replicasPerServer(cluster)).containsExactly(Map.entry("s1", 6), Map.entry("s2", 6),
          Map.entry("s3", 6), Map.entry("s4", 6));
      cluster.kill9("s4");

      List<String> ordinals = List.of("s1", "s2", "s3", "s4");
      PlacementTarget withoutS4 = PlacementTarget.ofOrdinals(ordinals, 3, RF);
      try (GrpcShardMembership membership = new GrpcShardMembership(addresses(cluster, ordinals), Duration.ofSeconds(10),
          Duration.ofSeconds(60))) {
        Rebalancer rebalancer = new Rebalancer(membership, new Rebalancer.Settings(2, 1000, Duration.ofSeconds(30),
            Duration.ofMillis(200)));
        Rebalancer.Round drained = rebalancer.runUntilDone(SHARDS, withoutS4, Duration.ofSeconds(90), RebalanceIT::log);
        assertThat(drained.done()).as("drained: %s", drained.plan().progress().summary()).isTrue();
        assertThat(drained.unreachable()).containsKey("s4");
        assertThat(replicasPerServer(cluster)).containsExactly(Map.entry("s1", 8), Map.entry("s2", 8),
            Map.entry("s3", 8), Map.entry("s4", 0));
        writers.awaitMore(writers.acknowledged() + 50);

        // back, it still holds its copies (removed from the groups while it was down); they are dropped
        cluster.restart("s4");
        await().atMost(BUDGET).ignoreExceptions().untilAsserted(() ->
            assertThat(cluster.node("s4").client().listGroups().getGroupsCount()).isEqualTo(6));
        Rebalancer.Round tidy = rebalancer.reconcile(SHARDS, withoutS4);
        log(tidy);
        assertThat(tidy.plan().progress().leavingNodesEmpty()).isFalse();
        assertThat(tidy.plan().progress().leftoverCopiesOnLeavingNodes()).isEqualTo(6);
        Rebalancer.Round last = rebalancer.runUntilDone(SHARDS, withoutS4, Duration.ofSeconds(60), RebalanceIT::log);
        assertThat(last.done()).as("tidied: %s", last.plan().progress().summary()).isTrue();
        assertThat(last.plan().progress().leavingNodesEmpty()).isTrue();
        assertThat(cluster.node("s4").client().listGroups().getGroupsCount()).isZero();

        // A replaced volume: s3 comes back without one group's copy (still a member by the group's
        // configuration). It must not vote with an empty log: removed, then added back empty.
        cluster.kill9("s3");
        Path lostGroup;
        try (Stream<Path> groups = Files.list(cluster.node("s3").dataDir().resolve("ratis"))) {
          lostGroup = groups.filter(Files::isDirectory).sorted().findFirst().orElseThrow();
        }
        try (Stream<Path> files = Files.walk(lostGroup)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        cluster.restart("s3");
        await().atMost(BUDGET).ignoreExceptions().untilAsserted(() ->
            assertThat(cluster.node("s3").client().listGroups().getGroupsCount()).isEqualTo(SHARDS - 1));
        List<Rebalancer.Round> rounds = new ArrayList<>();
        Rebalancer.Round replaced = rebalancer.runUntilDone(SHARDS, withoutS4, Duration.ofSeconds(90), r -> {
          log(r);
          rounds.add(r);
        });
        assertThat(replaced.done()).as("replaced: %s", replaced.plan().progress().summary()).isTrue();
        assertThat(rounds).flatExtracting(r -> r.plan().steps())
            .anyMatch(st -> st instanceof RebalanceStep.ReplaceLostReplica l && l.node().equals("s3"));
        assertThat(cluster.node("s3").client().listGroups().getGroupsCount()).isEqualTo(SHARDS);
      }
      writers.awaitMore(writers.acknowledged() + 50);
      writers.stop();
      assertEveryReplicaHoldsEveryAcknowledgedWrite(cluster, writers);
    }
  }

  /** Writers paused: every group converges, every replica's dump is the same, and holds exactly the acknowledged keys. */
  private static void assertEveryReplicaHoldsEveryAcknowledgedWrite(LocalShardCluster cluster, Writers writers) {
    for (int s = 0; s < SHARDS; s++) {
      int shard = s;
      await().atMost(BUDGET).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        List<String> replicas = replicaServers(cluster, shard);
        assertThat(replicas).as("replicas of shard %d", shard).hasSize(RF);
        List<DumpResponse> dumps = replicas.stream().map(id -> cluster.node(id).client().dump(shard, false)).toList();
        assertThat(dumps).extracting(DumpResponse::hasError).containsOnly(false);
        assertThat(dumps).extracting(DumpResponse::getAppliedIndex).as("applied indexes of shard %d", shard)
            .containsOnly(dumps.get(0).getAppliedIndex());
        assertThat(dumps).extracting(DumpResponse::getSha256).as("dumps of shard %d on %s", shard, replicas)
            .containsOnly(dumps.get(0).getSha256());
      });
      for (String id : replicaServers(cluster, shard)) {
        // A replica just elected answers retryably until its leadership is ready: ask again.
        ShardResult[] read = new ShardResult[1];
        await().atMost(BUDGET).pollInterval(Duration.ofMillis(200)).until(() -> {
          read[0] = cluster.node(id).client().read(shard, Consistency.FOLLOWER, 10_000,
              List.of(Statements.of("SELECT k FROM kv ORDER BY k")));
          return !read[0].hasError() || !read[0].getError().getRetryable();
        });
        ShardResult r = read[0];
        assertThat(r.hasError()).as("read of shard %d on %s: %s", shard, id, r.getError()).isFalse();
        Set<Long> keys = new TreeSet<>();
        for (Row row : r.getResults(0).getRowsList()) {
          keys.add(row.getValues(0).getInteger());
        }
        assertThat(keys).as("keys of shard %d on %s", shard, id).isEqualTo(writers.acknowledgedKeys(shard));
      }
    }
  }

  private static List<ShardServerAddress> addresses(LocalShardCluster cluster, List<String> ids) {
    List<ShardServerAddress> out = new ArrayList<>();
    for (String id : ids) {
      LocalShardCluster.Node n = cluster.node(id);
      out.add(new ShardServerAddress(id, "127.0.0.1", n.grpcPort(), n.raftAddress()));
    }
    return out;
  }

  /** Members per server, from the configurations the groups' leaders report. */
  private static Map<String, Integer> replicasPerServer(LocalShardCluster cluster) {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    cluster.nodes().forEach(n -> counts.put(n.id(), 0));
    for (List<String> members : leaderConfigurations(cluster).values()) {
      members.forEach(m -> counts.merge(m, 1, Integer::sum));
    }
    return counts;
  }

  private static List<String> replicaServers(LocalShardCluster cluster, int shard) {
    List<String> members = leaderConfigurations(cluster).get(shard);
    assertThat(members).as("leader configuration of shard %d", shard).isNotNull();
    return members;
  }

  /** Shard -> members, as each group's leader reports them (groups without a leader now are left out). */
  private static Map<Integer, List<String>> leaderConfigurations(LocalShardCluster cluster) {
    Map<Integer, List<String>> out = new HashMap<>();
    Map<Integer, Long> terms = new HashMap<>();
    for (LocalShardCluster.Node n : cluster.nodes()) {
      if (!n.isAlive()) {
        continue;
      }
      for (GroupStatus g : n.client().listGroups().getGroupsList()) {
        if (g.getRole().equals("LEADER") && g.getTerm() >= terms.getOrDefault(g.getShardId(), -1L)) {
          terms.put(g.getShardId(), g.getTerm());
          out.put(g.getShardId(), g.getPeersList().stream().map(p -> p.getId()).sorted().toList());
        }
      }
    }
    return out;
  }

  private static void log(Rebalancer.Round round) {
    System.out.printf("rebalance: %s; steps %s%n", round.plan().progress().summary(),
        round.outcomes().stream().map(o -> o.step().describe() + " -> " + o.result() + " " + o.detail()).toList());
  }

  /** Writes to every shard in a loop, retrying through any server that hosts the shard; records acknowledged keys. */
  private static final class Writers {
    private final LocalShardCluster cluster;
    private final ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    private final List<Future<?>> running = new ArrayList<>();
    private final AtomicInteger nextKey = new AtomicInteger();
    private final AtomicInteger acknowledged = new AtomicInteger();
    private final Map<Integer, Set<Long>> keys = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final java.util.concurrent.locks.ReentrantReadWriteLock gate =
        new java.util.concurrent.locks.ReentrantReadWriteLock();

    Writers(LocalShardCluster cluster) {
      this.cluster = cluster;
    }

    void start() {
      for (int w = 0; w < WRITERS; w++) {
        running.add(pool.submit(() -> {
          while (!stop.get()) {
            // pause() holds the write side: no write starts, and it waits for those in flight
            gate.readLock().lock();
            try {
              int k = nextKey.getAndIncrement();
              int shard = k % SHARDS;
              writeOrFail(shard, batch("w-" + k, sql("INSERT INTO kv(k, shard) VALUES (?, ?)", k, shard)));
              keys.computeIfAbsent(shard, x -> ConcurrentHashMap.newKeySet()).add((long) k);
              acknowledged.incrementAndGet();
            } finally {
              gate.readLock().unlock();
            }
          }
          return null;
        }));
      }
    }

    /** One write, retried with the same transaction id through the servers until it is acknowledged. */
    void writeOrFail(int shard, WriteBatch batch) {
      long deadline = System.nanoTime() + BUDGET.toNanos();
      List<LocalShardCluster.Node> nodes = cluster.nodes();
      String last = "";
      for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
        LocalShardCluster.Node n = nodes.get(Math.floorMod(shard + attempt, nodes.size()));
        if (!n.isAlive()) {
          continue;
        }
        try {
          ShardResult r = n.client().write(shard, batch);
          if (!r.hasError()) {
            return;
          }
          // a server that does not (or no longer) host the shard: ask another one
          if (!r.getError().getRetryable() && r.getError().getCode() != ErrorCode.UNKNOWN_SHARD) {
            throw new AssertionError("write " + batch.getTxId() + " to shard " + shard + ": " + r.getError());
          }
          last = r.getError().toString();
        } catch (ShardliteException e) {
          if (!e.retryable()) {
            throw e;
          }
          last = e.getMessage();
        }
        ClusterProbe.pause(20);
      }
      throw new AssertionError("write " + batch.getTxId() + " to shard " + shard + " not acknowledged in " + BUDGET
          + ": " + last);
    }

    int acknowledged() {
      return acknowledged.get();
    }

    Set<Long> acknowledgedKeys(int shard) {
      return new TreeSet<>(keys.getOrDefault(shard, Set.of()));
    }

    void awaitMore(int count) {
      await().atMost(BUDGET).until(() -> {
        failIfAWriterFailed();
        return acknowledged.get() >= count;
      });
    }

    /** Stops starting writes and waits until none is in flight (bounded). */
    void pause() throws Exception {
      assertThat(gate.writeLock().tryLock(BUDGET.toSeconds(), TimeUnit.SECONDS)).as("writes in flight ended").isTrue();
      failIfAWriterFailed();
    }

    void resume() {
      gate.writeLock().unlock();
    }

    void stop() throws Exception {
      stop.set(true);
      for (Future<?> f : running) {
        f.get(2, TimeUnit.MINUTES);
      }
      pool.shutdownNow();
    }

    private void failIfAWriterFailed() throws Exception {
      for (Future<?> f : running) {
        if (f.isDone()) {
          f.get();
        }
      }
    }
  }

  /** Polls every live server and keeps the fewest members any group's leader reported. */
  private static final class MembershipWatcher {
    private final LocalShardCluster cluster;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger fewest = new AtomicInteger(Integer.MAX_VALUE);
    private final AtomicInteger observations = new AtomicInteger();
    private Thread thread;

    MembershipWatcher(LocalShardCluster cluster) {
      this.cluster = cluster;
    }

    void start() {
      thread = new Thread(() -> {
        while (!stop.get()) {
          try {
            leaderConfigurations(cluster).values().forEach(m -> fewest.accumulateAndGet(m.size(), Math::min));
            observations.incrementAndGet();
          } catch (RuntimeException transientFailure) {
            // a server answering slowly; the next look counts
          }
          ClusterProbe.pause(100);
        }
      }, "membership-watcher");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
    }

    int fewestMembers() {
      return fewest.get();
    }

    int observations() {
      return observations.get();
    }
  }
}
