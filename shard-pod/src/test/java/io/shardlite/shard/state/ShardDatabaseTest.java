package io.shardlite.shard.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.ClaimEpoch;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.WriteBatch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The apply rules of one shard file, without Raft: exactly once, all or nothing, fenced. */
class ShardDatabaseTest {
  @TempDir
  Path dir;

  private static ByteString write(String txId, long epoch, long lsn, String... sql) {
    WriteBatch.Builder b = WriteBatch.newBuilder().setTxId(txId).setEpoch(epoch).setGlobalLsn(lsn)
        .setTimestampMillis(1_700_000_000_000L).setRandomSeed(42);
    for (String s : sql) {
      b.addStatements(Statements.of(s));
    }
    return ShardEntry.newBuilder().setWrite(b).build().toByteString();
  }

  private static ByteString claim(long epoch) {
    return ShardEntry.newBuilder().setClaim(ClaimEpoch.newBuilder().setEpoch(epoch).setOwner("o")).build().toByteString();
  }

  private static long count(ShardDatabase db, String table) {
    return db.read(List.of(Statements.of("SELECT count(*) FROM " + table))).getResults(0).getRows(0).getValues(0).getInteger();
  }

  private static ByteString prepare(String txId, long epoch, long lsn, String... sql) throws Exception {
    WriteBatch batch = ShardEntry.parseFrom(write(txId, epoch, lsn, sql)).getWrite();
    return ShardEntry.newBuilder().setPrepare(io.shardlite.proto.PreparePart.newBuilder().setBatch(batch)).build()
        .toByteString();
  }

  private static ByteString resolve(String txId, boolean commit, long epoch) {
    return ShardEntry.newBuilder().setResolve(io.shardlite.proto.ResolvePart.newBuilder().setTxId(txId)
        .setCommit(commit).setEpoch(epoch)).build().toByteString();
  }

  @Test
  void aPreparedPartChangesNothingUntilCommittedAndReportsItsResultsAtPrepare() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"));
      ShardResult prepared = db.apply(1, 2, prepare("m1", 1, 5, "INSERT INTO t VALUES (1, 'a')", "SELECT count(*) FROM t"));
      assertThat(prepared.hasError()).isFalse();
      assertThat(prepared.getResults(1).getRows(0).getValues(0).getInteger()).isEqualTo(1);
      assertThat(count(db, "t")).isZero();
      assertThat(db.meta().globalLsn()).isZero();
      // A new owner's claim reports the unresolved part.
      assertThat(db.apply(1, 3, claim(2)).getPreparedTxIdsList()).containsExactly("m1");

      ShardResult committed = db.apply(1, 4, resolve("m1", true, 2));
      assertThat(committed.hasError()).isFalse();
      assertThat(committed.getResults(1).getRows(0).getValues(0).getInteger()).isEqualTo(1);
      assertThat(count(db, "t")).isEqualTo(1);
      assertThat(db.meta().globalLsn()).isEqualTo(5);
      assertThat(db.apply(1, 5, claim(3)).getPreparedTxIdsList()).isEmpty();
      // Resolving again answers with the recorded outcome and changes nothing.
      assertThat(db.apply(1, 6, resolve("m1", true, 3)).getDuplicate()).isTrue();
      assertThat(count(db, "t")).isEqualTo(1);
    }
  }

  @Test
  void anAbortedOrFailingPartLeavesNoTrace() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      assertThat(db.apply(1, 2, prepare("m1", 0, 3, "INSERT INTO t VALUES (1)")).hasError()).isFalse();
      assertThat(db.apply(1, 3, resolve("m1", false, 0)).hasError()).isFalse();
      assertThat(count(db, "t")).isZero();
      assertThat(db.apply(1, 4, resolve("m1", true, 0)).getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_TRANSACTION);

      ShardResult failed = db.apply(1, 5, prepare("m2", 0, 4, "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)"));
      assertThat(failed.getError().getCode()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
      assertThat(db.apply(1, 6, claim(1)).getPreparedTxIdsList()).isEmpty();
      // Fenced like writes: a stale epoch can neither prepare nor resolve.
      assertThat(db.apply(1, 7, prepare("m3", 0, 5, "INSERT INTO t VALUES (3)")).getError().getCode())
          .isEqualTo(ErrorCode.STALE_EPOCH);
      assertThat(db.apply(1, 8, resolve("m3", true, 0)).getError().getCode()).isEqualTo(ErrorCode.STALE_EPOCH);
      assertThat(count(db, "t")).isZero();
    }
  }

  @Test
  void entriesAtOrBelowTheAppliedIndexAreNotAppliedAgain() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      assertThat(db.apply(1, 1, write("a", 0, 0, "CREATE TABLE t(x)")).hasError()).isFalse();
      assertThat(db.apply(1, 2, write("b", 0, 0, "INSERT INTO t VALUES (1)")).hasError()).isFalse();
      ShardResult replay = db.apply(1, 2, write("b", 0, 0, "INSERT INTO t VALUES (1)"));
      assertThat(replay.getDuplicate()).isTrue();
      assertThat(count(db, "t")).isEqualTo(1);
      assertThat(db.meta().appliedIndex()).isEqualTo(2);
    }
    try (ShardDatabase reopened = ShardDatabase.open(dir.resolve("s.db"))) {
      assertThat(reopened.meta().appliedIndex()).isEqualTo(2);
      assertThat(reopened.apply(1, 1, write("a", 0, 0, "CREATE TABLE t(x)")).getDuplicate()).isTrue();
    }
  }

  @Test
  void aFailingStatementRollsBackTheBatchButTheIndexAdvances() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("a", 0, 0, "CREATE TABLE t(x UNIQUE)", "INSERT INTO t VALUES (1)"));
      ShardResult r = db.apply(1, 2, write("b", 0, 0, "INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (1)"));
      assertThat(r.getError().getCode()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
      assertThat(r.getError().getStatementIndex()).isEqualTo(1);
      assertThat(count(db, "t")).isEqualTo(1);
      assertThat(db.meta().appliedIndex()).isEqualTo(2);
      assertThat(db.apply(1, 3, ByteString.copyFromUtf8("not a protobuf entry \u0001\u0002")).getError().getCode())
          .isIn(ErrorCode.MALFORMED_REQUEST);
      assertThat(db.meta().appliedIndex()).isEqualTo(3);
    }
  }

  @Test
  void writesBelowTheClaimedEpochAreFenced() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("a", 0, 0, "CREATE TABLE t(x)"));
      assertThat(db.apply(1, 2, claim(5)).getEpoch()).isEqualTo(5);
      assertThat(db.apply(1, 3, write("b", 4, 0, "INSERT INTO t VALUES (1)")).getError().getCode())
          .isEqualTo(ErrorCode.STALE_EPOCH);
      assertThat(db.apply(1, 4, claim(4)).getError().getCode()).isEqualTo(ErrorCode.STALE_EPOCH);
      assertThat(db.apply(1, 5, write("c", 6, 0, "INSERT INTO t VALUES (2)")).getEpoch()).isEqualTo(6);
      assertThat(count(db, "t")).isEqualTo(1);
    }
  }

  @Test
  void globalLsnsMustIncreaseAndRetriedTxIdsGetTheRecordedAnswer() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("a", 0, 10, "CREATE TABLE t(x)"));
      assertThat(db.apply(1, 2, write("b", 0, 10, "INSERT INTO t VALUES (1)")).getError().getCode())
          .isEqualTo(ErrorCode.OUT_OF_ORDER_LSN);
      ShardResult first = db.apply(1, 3, write("c", 0, 11, "INSERT INTO t VALUES (1)"));
      ShardResult retry = db.apply(1, 4, write("c", 0, 12, "INSERT INTO t VALUES (1)"));
      assertThat(retry.getDuplicate()).isTrue();
      assertThat(retry.getResults(0).getLastInsertRowid()).isEqualTo(first.getResults(0).getLastInsertRowid());
      assertThat(count(db, "t")).isEqualTo(1);
      assertThat(db.meta().globalLsn()).isEqualTo(11);
    }
  }

  @Test
  void aSnapshotRestoresTheSameContentAndMeta() {
    Path snapshot = dir.resolve("snap.db");
    ShardDatabase.Dump before;
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("a", 3, 0, "CREATE TABLE t(x, r, d)", "INSERT INTO t VALUES (1, random(), CURRENT_TIMESTAMP)"));
      db.snapshotTo(snapshot);
      before = db.dump(true);
    }
    assertThat(ShardDatabase.metaOf(snapshot)).isEqualTo(new ShardDatabase.Meta(1, 1, 0, 3));
    ShardDatabase.restore(snapshot, dir.resolve("copy.db"));
    try (ShardDatabase copy = ShardDatabase.open(dir.resolve("copy.db"))) {
      ShardDatabase.Dump after = copy.dump(true);
      assertThat(after.sha256()).isEqualTo(before.sha256());
      assertThat(after.text()).contains("2023-11-14 22:13:20");
      assertThat(copy.meta().appliedIndex()).isEqualTo(1);
    }
  }

  @Test
  void batchesOfAGroupEntryHaveIndependentOutcomesAndOneCommit() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("a", 0, 0, "CREATE TABLE t(x UNIQUE)"));
      ShardEntry group = ShardEntry.newBuilder().setGroup(io.shardlite.proto.WriteGroup.newBuilder()
          .addBatches(ShardEntry.parseFrom(write("g1", 0, 0, "INSERT INTO t VALUES (1)")).getWrite())
          .addBatches(ShardEntry.parseFrom(write("g2", 0, 0, "INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (1)")).getWrite())
          .addBatches(ShardEntry.parseFrom(write("g3", 0, 0, "INSERT INTO t VALUES (3)")).getWrite())
          .addBatches(ShardEntry.parseFrom(write("g1", 0, 0, "INSERT INTO t VALUES (1)")).getWrite()))
          .build();
      List<ShardResult> results = io.shardlite.proto.ShardResults.parseFrom(db.applyEntry(1, 2, group.toByteString()))
          .getResultsList();
      assertThat(results).hasSize(4);
      assertThat(results.get(0).hasError()).isFalse();
      assertThat(results.get(1).getError().getCode()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
      assertThat(results.get(2).hasError()).isFalse();
      assertThat(results.get(3).getDuplicate()).isTrue();
      assertThat(count(db, "t")).isEqualTo(2);
      assertThat(db.meta().appliedIndex()).isEqualTo(2);
      io.shardlite.proto.ShardResults replay = io.shardlite.proto.ShardResults.parseFrom(db.applyEntry(1, 2, group.toByteString()));
      assertThat(replay.getResultsList()).hasSize(4).allMatch(ShardResult::getDuplicate);
    }
  }

  @Test
  void changeCountsDescribeTheStatementItself() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      ShardResult r = db.apply(1, 1, write("a", 0, 0, "CREATE TABLE t(k INTEGER PRIMARY KEY, v)",
          "INSERT INTO t(v) VALUES (1), (2)", "UPDATE t SET v = 3", "CREATE INDEX t_v ON t(v)"));
      assertThat(r.getResultsList()).extracting(io.shardlite.proto.StatementResult::getRowsAffected)
          .containsExactly(0L, 2L, 2L, 0L);
      assertThat(r.getResults(1).getLastInsertRowid()).isEqualTo(2);
      assertThat(r.getResults(3).getLastInsertRowid()).isZero();
    }
  }
}
