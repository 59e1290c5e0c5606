package io.shardlite.shard;

import static io.shardlite.shard.ClusterProbe.batch;
import static io.shardlite.shard.ClusterProbe.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.DumpResponse;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GroupItem;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.MembershipResponse;
import io.shardlite.proto.Peer;
import io.shardlite.proto.PreparePart;
import io.shardlite.proto.ResolvePart;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroupResponse;
import io.shardlite.shard.launch.LocalShardCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One three-server cluster (plus a spare server) with two shards, exercised through the real gRPC
 * API: atomic batches, typed errors for bad input, epoch fencing, idempotent retries, reads, and
 * moving a replica to a new server under writes. Every check that matters looks at every replica.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardBehaviourIT {
  private static final Duration BUDGET = Duration.ofSeconds(60);
  private LocalShardCluster cluster;
  private ClusterProbe probe;

  @BeforeAll
  void start() throws Exception {
    cluster = new LocalShardCluster(ClusterProbe.clusterDir("behaviour"), 3, 3, 3,
        List.of("--max-batch-bytes", "65536"), LocalShardCluster.defaultJvmOptions()).start();
    probe = new ClusterProbe(cluster);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFailingStatementRollsBackTheWholeBatchOnEveryReplica() {
    ok(probe.writeRetrying(0, batch("atomic-schema", sql("CREATE TABLE atomic(k INTEGER PRIMARY KEY, v TEXT)"),
        sql("INSERT INTO atomic VALUES (1, 'one')")), BUDGET));

    ShardResult duplicateKey = probe.writeRetrying(0, batch("atomic-1",
        sql("INSERT INTO atomic VALUES (2, 'two')"),
        sql("UPDATE atomic SET v = 'changed' WHERE k = 1"),
        sql("INSERT INTO atomic VALUES (1, 'again')")), BUDGET);
    assertThat(duplicateKey.getError().getCode()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
    assertThat(duplicateKey.getError().getStatementIndex()).isEqualTo(2);
    assertThat(duplicateKey.getError().getRetryable()).isFalse();

    ShardResult syntax = probe.writeRetrying(0, batch("atomic-2",
        sql("INSERT INTO atomic VALUES (3, 'three')"), sql("INSRT INTO atomic VALUES (4, 'four')")), BUDGET);
    assertThat(syntax.getError().getCode()).isEqualTo(ErrorCode.SQL_ERROR);
    assertThat(syntax.getError().getStatementIndex()).isEqualTo(1);
    assertThat(syntax.getError().getMessage()).contains("syntax error");

    ShardResult missingTable = probe.writeRetrying(0, batch("atomic-3",
        sql("INSERT INTO atomic VALUES (5, 'five')"), sql("INSERT INTO nowhere VALUES (1)")), BUDGET);
    assertThat(missingTable.getError().getCode()).isEqualTo(ErrorCode.SQL_ERROR);
    assertThat(missingTable.getError().getMessage()).contains("no such table");

    for (String id : probe.replicaNodes(0)) {
      LocalShardCluster.Node n = cluster.node(id);
      await().atMost(BUDGET).untilAsserted(() -> {
        ShardResult r = n.client().read(0, Consistency.FOLLOWER, 5_000,
            List.of(Statements.of("SELECT k, v FROM atomic ORDER BY k")));
        assertThat(r.hasError()).as("read on %s: %s", n.id(), r.getError()).isFalse();
        assertThat(r.getResults(0).getRowsCount()).as("rows on %s", n.id()).isEqualTo(1);
        assertThat(r.getResults(0).getRows(0).getValues(1).getText()).isEqualTo("one");
      });
    }
    assertSameDumps(0);
  }

  @Test
  void badInputGetsATypedErrorAndChangesNothing() {
    ShardNodeClient c = cluster.node("s1").client();
    ok(probe.writeRetrying(1, batch("bad-schema", sql("CREATE TABLE bad(k INTEGER PRIMARY KEY, v)")), BUDGET));
    long appliedBefore = c.read(1, Consistency.LINEARIZABLE, 0, List.of(Statements.of("SELECT 1"))).getAppliedIndex();

    assertThat(c.write(99, batch("x", sql("SELECT 1"))).getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_SHARD);
    assertThat(c.write(1, WriteBatch.newBuilder().setTxId("empty").build()).getError().getCode())
        .isEqualTo(ErrorCode.MALFORMED_REQUEST);
    assertThat(c.write(1, batch("blank", sql("   "))).getError().getCode()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    ShardResult tooBig = c.write(1, batch("big", sql("INSERT INTO bad VALUES (1, ?)", "x".repeat(100_000))));
    assertThat(tooBig.getError().getCode()).isEqualTo(ErrorCode.BATCH_TOO_LARGE);
    assertThat(tooBig.getError().getMessage()).contains("65536");
    for (String forbidden : List.of("PRAGMA journal_mode=DELETE", "ATTACH DATABASE 'x.db' AS x",
        "UPDATE _shardlite_meta SET epoch = 0", "BEGIN", "VACUUM", "INSERT INTO bad VALUES (1, 2); DROP TABLE bad")) {
      ShardResult r = c.write(1, batch("f", sql(forbidden)));
      assertThat(r.getError().getCode()).as(forbidden)
          .isIn(ErrorCode.FORBIDDEN_STATEMENT, ErrorCode.MALFORMED_REQUEST);
    }
    ShardResult writeOnReadPath = c.read(1, Consistency.LINEARIZABLE, 0, List.of(Statements.of("INSERT INTO bad VALUES (3, 3)")));
    assertThat(writeOnReadPath.getError().getCode()).isEqualTo(ErrorCode.FORBIDDEN_STATEMENT);
    // All of the above were refused before reaching the shard's log.
    assertThat(c.read(1, Consistency.LINEARIZABLE, 0, List.of(Statements.of("SELECT 1"))).getAppliedIndex())
        .isEqualTo(appliedBefore);

    // This one is only detectable while executing: every replica refuses it the same way.
    ShardResult localTime = probe.writeRetrying(1, batch("nondet",
        sql("INSERT INTO bad VALUES (2, datetime('now', 'localtime'))")), BUDGET);
    assertThat(localTime.getError().getCode()).isEqualTo(ErrorCode.NONDETERMINISTIC);
    probe.awaitShardConverged(1, BUDGET);
    for (String id : probe.replicaNodes(1)) {
      ShardResult count = cluster.node(id).client().read(1, Consistency.FOLLOWER, 10_000,
          List.of(Statements.of("SELECT count(*) FROM bad")));
      assertThat(count.getResults(0).getRows(0).getValues(0).getInteger()).as("rows on %s", id).isZero();
    }
  }

  @Test
  void randomAndCurrentTimeAreIdenticalOnEveryReplica() {
    ok(probe.writeRetrying(2, batch("det-schema",
        sql("CREATE TABLE det(k INTEGER PRIMARY KEY, r INTEGER, b BLOB, t TEXT DEFAULT CURRENT_TIMESTAMP, d TEXT)")), BUDGET));
    for (int i = 0; i < 20; i++) {
      ok(probe.writeRetrying(2, batch("det-" + i,
          sql("INSERT INTO det(k, r, b, d) VALUES (?, random(), randomblob(16), datetime('now', '+1 day'))", i)), BUDGET));
    }
    probe.awaitShardConverged(2, BUDGET);
    assertSameDumps(2);
  }

  @Test
  void aStaleEpochIsFencedOnEveryReplica() {
    ok(probe.writeRetrying(1, batch("fence-schema", sql("CREATE TABLE fence(k INTEGER PRIMARY KEY, owner TEXT)")), BUDGET));
    ShardNodeClient c = cluster.node("s2").client();
    ShardResult claim = c.claim(1, 7, "owner-b");
    assertThat(claim.hasError()).as("claim: %s", claim.getError()).isFalse();
    assertThat(claim.getEpoch()).isEqualTo(7);

    ShardResult stale = c.write(1, batch("fence-stale", sql("INSERT INTO fence VALUES (1, 'owner-a')")).toBuilder()
        .setEpoch(6).build());
    assertThat(stale.getError().getCode()).isEqualTo(ErrorCode.STALE_EPOCH);
    assertThat(c.claim(1, 3, "owner-a").getError().getCode()).isEqualTo(ErrorCode.STALE_EPOCH);
    ok(c.write(1, batch("fence-current", sql("INSERT INTO fence VALUES (2, 'owner-b')")).toBuilder().setEpoch(7).build()));

    probe.awaitShardConverged(1, BUDGET);
    for (String id : probe.replicaNodes(1)) {
      LocalShardCluster.Node n = cluster.node(id);
      GroupStatus g = n.client().listGroups().getGroupsList().stream().filter(s -> s.getShardId() == 1).findFirst()
          .orElseThrow();
      assertThat(g.getEpoch()).as("epoch on %s", n.id()).isEqualTo(7);
      ShardResult rows = n.client().read(1, Consistency.FOLLOWER, 10_000, List.of(Statements.of("SELECT owner FROM fence")));
      assertThat(rows.getResults(0).getRowsCount()).as("rows on %s", n.id()).isEqualTo(1);
      assertThat(rows.getResults(0).getRows(0).getValues(0).getText()).isEqualTo("owner-b");
    }
  }

  @Test
  void aRetriedTransactionIsAppliedOnce() {
    ok(probe.writeRetrying(2, batch("retry-schema", sql("CREATE TABLE hits(n INTEGER)"), sql("INSERT INTO hits VALUES (0)")),
        BUDGET));
    WriteBatch bump = batch("retry-bump", sql("UPDATE hits SET n = n + 1"));
    ShardResult first = probe.writeRetrying(2, bump, BUDGET);
    ShardResult second = probe.writeRetrying(2, bump, BUDGET);
    ok(first);
    ok(second);
    assertThat(first.getDuplicate()).isFalse();
    assertThat(second.getDuplicate()).isTrue();
    ShardResult n = cluster.node("s3").client().read(2, Consistency.LINEARIZABLE, 0, List.of(Statements.of("SELECT n FROM hits")));
    assertThat(n.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(1);
  }

  /**
   * A linearizable read sent to any replica sees the latest acknowledged write: the leader runs it
   * on its own Raft member, a follower hands it to the leader through the group's client. Every
   * server hosts the shard here, so both paths run. A write on the read path is refused on each.
   */
  @Test
  void aLinearizableReadThroughEveryReplicaSeesTheLatestWrite() {
    ok(probe.writeRetrying(1, batch("everywhere-schema", sql("CREATE TABLE everywhere(k INTEGER PRIMARY KEY)")),
        BUDGET));
    for (int k = 1; k <= 3; k++) {
      ok(probe.writeRetrying(1, batch("everywhere-" + k, sql("INSERT INTO everywhere VALUES (" + k + ")")), BUDGET));
      for (String id : List.of("s1", "s2", "s3")) {
        ShardResult read = cluster.node(id).client().read(1, Consistency.LINEARIZABLE, 0,
            List.of(Statements.of("SELECT count(*) FROM everywhere")));
        assertThat(read.hasError()).as("read through %s: %s", id, read.getError().getMessage()).isFalse();
        assertThat(read.getResults(0).getRows(0).getValues(0).getInteger()).as("read through " + id).isEqualTo(k);
      }
    }
    for (String id : List.of("s1", "s2", "s3")) {
      ShardResult write = cluster.node(id).client().read(1, Consistency.LINEARIZABLE, 0,
          List.of(Statements.of("INSERT INTO everywhere VALUES (9)")));
      assertThat(write.getError().getCode()).as("a write on the read path through " + id)
          .isEqualTo(ErrorCode.FORBIDDEN_STATEMENT);
    }
  }

  /**
   * A prepared part's transaction may already be committed and read on another shard: a
   * linearizable read here waits until the part is resolved and then sees it; a follower read
   * answers at once from the state before it.
   */
  @Test
  void aLinearizableReadWaitsForAPreparedPartToBeResolved() throws Exception {
    ok(probe.writeRetrying(2, batch("doubt-schema", sql("CREATE TABLE doubt(k INTEGER PRIMARY KEY)")), BUDGET));
    ShardNodeClient c = cluster.node("s2").client();
    List<io.shardlite.proto.Statement> count = List.of(Statements.of("SELECT count(*) FROM doubt"));
    ok(c.prepare(2, batch("doubt-part", sql("INSERT INTO doubt VALUES (1)")).toBuilder().setGlobalLsn(1_000_000).build()));
    CompletableFuture<ShardResult> linearizable =
        CompletableFuture.supplyAsync(() -> c.read(2, Consistency.LINEARIZABLE, 0, count));
    ShardResult follower = c.read(2, Consistency.FOLLOWER, 10_000, count);
    assertThat(follower.getResults(0).getRows(0).getValues(0).getInteger()).isZero();
    assertThatThrownBy(() -> linearizable.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);

    ok(c.resolve(2, "doubt-part", true, 0));
    ShardResult after = linearizable.get(10, TimeUnit.SECONDS);
    ok(after);
    assertThat(after.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(1);
  }

  /**
   * A write group of items (writes, speculative parts, resolutions) over gRPC: malformed groups are
   * refused whole, a good one applies in order on every replica.
   */
  @Test
  void aWriteGroupOfItemsIsCheckedAndAppliedInOrder() throws Exception {
    ok(probe.writeRetrying(1, batch("items-schema", sql("CREATE TABLE items(k INTEGER PRIMARY KEY)")), BUDGET));
    ShardNodeClient c = cluster.node("s1").client();
    GroupItem w1 = GroupItem.newBuilder().setBatch(batch("items-w1", sql("INSERT INTO items VALUES (1)"))).build();
    GroupItem part = GroupItem.newBuilder().setPrepare(PreparePart.newBuilder().setSpeculative(true)
        .setBatch(batch("items-m", sql("INSERT INTO items VALUES (2)")).toBuilder().setGlobalLsn(5_000_000))).build();
    GroupItem w2 = GroupItem.newBuilder().setBatch(batch("items-w2", sql("INSERT INTO items VALUES (3)"))).build();
    GroupItem commit = GroupItem.newBuilder().setResolve(ResolvePart.newBuilder().setTxId("items-m").setCommit(true))
        .build();

    WriteGroupResponse late = c.writeItemsAsync(1, List.of(w1, commit)).get(30, TimeUnit.SECONDS);
    assertThat(late.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    assertThat(late.getError().getMessage()).contains("resolutions come before");
    WriteGroupResponse empty = c.writeItemsAsync(1, List.of(GroupItem.getDefaultInstance())).get(30, TimeUnit.SECONDS);
    assertThat(empty.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_REQUEST);

    WriteGroupResponse placed = c.writeItemsAsync(1, List.of(w1, part, w2)).get(30, TimeUnit.SECONDS);
    assertThat(placed.hasError()).as("%s", placed.getError()).isFalse();
    assertThat(placed.getItemResultsList()).hasSize(3).noneMatch(ShardResult::hasError);
    WriteGroupResponse resolved = c.writeItemsAsync(1, List.of(commit)).get(30, TimeUnit.SECONDS);
    assertThat(resolved.getItemResultsList()).hasSize(1).noneMatch(ShardResult::hasError);
    ShardResult rows = c.read(1, Consistency.LINEARIZABLE, 0, List.of(Statements.of("SELECT k FROM items ORDER BY k")));
    ok(rows);
    assertThat(rows.getResults(0).getRowsList()).extracting(r -> r.getValues(0).getInteger()).containsExactly(1L, 2L, 3L);
    assertSameDumps(1);
  }

  /**
   * A lane stacks speculative parts only while no read waits for them: a write group answered while
   * a linearizable read waits for the shard's speculative tail says so ({@code reads_waiting}), and
   * once the tail is resolved the read is served and later answers say no read waits.
   */
  @Test
  void writeGroupsTellTheirWriterWhenLinearizableReadsWaitForItsParts() throws Exception {
    int shard = 1;
    ok(probe.writeRetrying(shard, batch("waiting-schema", sql("CREATE TABLE waiting(k INTEGER PRIMARY KEY)")), BUDGET));
    ShardNodeClient leader = leaderOf(shard);
    GroupItem part = GroupItem.newBuilder().setPrepare(PreparePart.newBuilder().setSpeculative(true)
        .setBatch(batch("waiting-m", sql("INSERT INTO waiting VALUES (0)")).toBuilder().setGlobalLsn(7_000_000))).build();
    WriteGroupResponse placed = leader.writeItemsAsync(shard, List.of(part)).get(30, TimeUnit.SECONDS);
    assertThat(placed.getItemResultsList()).as("%s", placed).hasSize(1).noneMatch(ShardResult::hasError);
    assertThat(placed.getReadsWaiting()).as("no read waits yet").isFalse();

    List<io.shardlite.proto.Statement> count = List.of(Statements.of("SELECT count(*) FROM waiting"));
    CompletableFuture<ShardResult> read = CompletableFuture.supplyAsync(() -> leader.read(shard, Consistency.LINEARIZABLE, 0, count));
    AtomicInteger written = new AtomicInteger();
    // The read waits (up to 3 s on the shard) for the tail: writes applied on top of it meanwhile say so.
    await().atMost(Duration.ofMillis(2500)).pollInterval(Duration.ofMillis(50)).until(() -> {
      int k = written.incrementAndGet();
      WriteGroupResponse w = leader.writeItemsAsync(shard, List.of(GroupItem.newBuilder()
          .setBatch(batch("waiting-w" + k, sql("INSERT INTO waiting VALUES (?)", k))).build())).get(30, TimeUnit.SECONDS);
      assertThat(w.getItemResultsList()).as("%s", w).hasSize(1).noneMatch(ShardResult::hasError);
      return w.getReadsWaiting();
    });
    assertThat(read).isNotDone();

    WriteGroupResponse resolved = leader.writeItemsAsync(shard, List.of(GroupItem.newBuilder()
        .setResolve(ResolvePart.newBuilder().setTxId("waiting-m").setCommit(true)).build())).get(30, TimeUnit.SECONDS);
    assertThat(resolved.getItemResultsList()).as("%s", resolved).hasSize(1).noneMatch(ShardResult::hasError);
    ShardResult after = read.get(10, TimeUnit.SECONDS);
    ok(after);
    assertThat(after.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(1 + written.get());
    await().atMost(BUDGET).pollInterval(Duration.ofMillis(50)).until(() -> {
      int k = written.incrementAndGet();
      WriteGroupResponse w = leader.writeItemsAsync(shard, List.of(GroupItem.newBuilder()
          .setBatch(batch("waiting-after" + k, sql("INSERT INTO waiting VALUES (?)", k))).build())).get(30, TimeUnit.SECONDS);
      return !w.hasError() && !w.getReadsWaiting();
    });
  }

  /**
   * Write answers carry the answering server's CPU use (writers pace their entries by it): it
   * rises while this machine's CPUs are kept busy and falls once they are left alone.
   */
  @Test
  void writeGroupsReportTheServersCpuUse() throws Exception {
    int shard = 2;
    ok(probe.writeRetrying(shard, batch("cpu-schema", sql("CREATE TABLE cpu(k INTEGER PRIMARY KEY)")), BUDGET));
    ShardNodeClient leader = leaderOf(shard);
    AtomicInteger written = new AtomicInteger();
    java.util.function.IntSupplier cpuPercent = () -> {
      int k = written.incrementAndGet();
      try {
        WriteGroupResponse w = leader.writeItemsAsync(shard, List.of(GroupItem.newBuilder()
            .setBatch(batch("cpu-w" + k, sql("INSERT INTO cpu VALUES (?)", k))).build())).get(30, TimeUnit.SECONDS);
        assertThat(w.getItemResultsList()).as("%s", w).hasSize(1).noneMatch(ShardResult::hasError);
        assertThat(w.getCpuPercent()).isBetween(0, 100);
        return w.getCpuPercent();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    AtomicBoolean spin = new AtomicBoolean(true);
    List<Thread> spinners = new java.util.ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      Thread t = new Thread(() -> {
        while (spin.get()) {
          Thread.onSpinWait(); // busy all the same: the CPU runs this thread
        }
      }, "cpu-spinner-" + i);
      t.setDaemon(true);
      t.start();
      spinners.add(t);
    }
    try {
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
          .until(() -> cpuPercent.getAsInt() >= 80);
    } finally {
      spin.set(false);
      for (Thread t : spinners) {
        t.join(5_000);
      }
    }
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> cpuPercent.getAsInt() < 60);
  }

  /** The client of the server that leads {@code shard} (reads wait, and are reported, on the leader). */
  private ShardNodeClient leaderOf(int shard) {
    return await().atMost(BUDGET).pollInterval(Duration.ofMillis(100)).until(() -> {
      for (GroupStatus g : probe.replicas().getOrDefault(shard, List.of())) {
        if (g.getRole().equals("LEADER")) {
          return cluster.node(g.getLeaderId().substring(0, g.getLeaderId().indexOf('|'))).client();
        }
      }
      return null;
    }, c -> c != null);
  }

  @Test
  void aReplicaMovesToANewServerWhileWritesContinue() throws Exception {
    ok(probe.writeRetrying(0, batch("move-schema", sql("CREATE TABLE moving(k INTEGER PRIMARY KEY)")), BUDGET));
    LocalShardCluster.Node spare = cluster.addSpareNode();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      for (int k = 0; writing.get(); k++) {
        ok(probe.writeRetrying(0, batch("move-" + k, sql("INSERT INTO moving VALUES (?)", k)), BUDGET));
        written.incrementAndGet();
      }
    });
    await().atMost(BUDGET).until(() -> written.get() >= 50);

    List<String> before = probe.replicaNodes(0);
    String leaving = before.stream().filter(id -> !id.equals("s1")).findFirst().orElseThrow();
    MembershipResponse added = cluster.node("s1").client().addReplica(0, spare.id(), spare.raftAddress(), BUDGET);
    assertThat(added.hasError()).as("add: %s", added.getError()).isFalse();
    assertThat(added.getPeersList()).extracting(Peer::getId).contains(spare.id());
    await().atMost(BUDGET).until(() -> written.get() >= 150);

    MembershipResponse removed = cluster.node("s1").client().removeReplica(0, leaving, BUDGET);
    assertThat(removed.hasError()).as("remove: %s", removed.getError()).isFalse();
    assertThat(removed.getPeersList()).extracting(Peer::getId).doesNotContain(leaving).contains(spare.id());
    int atRemoval = written.get();
    await().atMost(BUDGET).until(() -> written.get() >= atRemoval + 50);
    writing.set(false);
    writer.get(2, TimeUnit.MINUTES);

    await().atMost(BUDGET).untilAsserted(() ->
        assertThat(probe.replicaNodes(0)).containsExactlyInAnyOrderElementsOf(
            before.stream().map(id -> id.equals(leaving) ? spare.id() : id).toList()));
    await().atMost(BUDGET).untilAsserted(() -> {
      List<DumpResponse> dumps = probe.replicaNodes(0).stream().map(id -> probe.dump(id, 0)).toList();
      assertThat(dumps).extracting(DumpResponse::getSha256).containsOnly(dumps.get(0).getSha256());
    });
    ShardResult count = spare.client().read(0, Consistency.FOLLOWER, 10_000, List.of(Statements.of("SELECT count(*) FROM moving")));
    assertThat(count.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(written.get());
  }

  private void assertSameDumps(int shard) {
    await().atMost(BUDGET).untilAsserted(() -> {
      List<DumpResponse> dumps = probe.replicaNodes(shard).stream().map(id -> probe.dump(id, shard)).toList();
      assertThat(dumps).hasSizeGreaterThanOrEqualTo(3);
      assertThat(dumps).extracting(DumpResponse::getSha256).containsOnly(dumps.get(0).getSha256());
    });
  }

  private static void ok(ShardResult r) {
    assertThat(r.hasError()).as("unexpected error: %s", r.getError()).isFalse();
  }
}
