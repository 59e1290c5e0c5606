package io.shardlite.shard.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.shardlite.shard.state.ShardEntries.batch;
import static io.shardlite.shard.state.ShardEntries.claim;
import static io.shardlite.shard.state.ShardEntries.prepare;
import static io.shardlite.shard.state.ShardEntries.resolve;
import static io.shardlite.shard.state.ShardEntries.write;

import com.google.protobuf.ByteString;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.shard.Statements;
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

  private static long count(ShardDatabase db, String table) {
    return value(db, "SELECT count(*) FROM " + table);
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

  /**
   * While a part is prepared, its transaction may already be committed and read on another shard:
   * the shard applies nothing else and refuses linearizable reads until the part is resolved;
   * follower reads and retries of applied transactions still answer.
   */
  @Test
  void aPreparedPartBlocksOtherWritesAndPreparesAndResolvedReadsUntilItIsResolved() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      db.apply(1, 2, write("w1", 0, 3, "INSERT INTO t VALUES (1)"));
      assertThat(db.apply(1, 3, prepare("m1", 0, 5, "INSERT INTO t VALUES (2)")).hasError()).isFalse();
      var sql = List.of(Statements.of("SELECT count(*) FROM t"));

      ShardResult refusedWrite = db.apply(1, 4, write("w2", 0, 6, "INSERT INTO t VALUES (3)"));
      assertThat(refusedWrite.getError().getCode()).isEqualTo(ErrorCode.PART_IN_DOUBT);
      assertThat(refusedWrite.getError().getRetryable()).isTrue();
      assertThat(db.apply(1, 5, prepare("m2", 0, 7, "INSERT INTO t VALUES (4)")).getError().getCode())
          .isEqualTo(ErrorCode.PART_IN_DOUBT);
      assertThatThrownBy(() -> db.readResolved(sql)).isInstanceOfSatisfying(ShardliteException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.PART_IN_DOUBT));
      // What is certain still answers: a retried write that applied, a follower read, the same part again.
      assertThat(db.apply(1, 6, write("w1", 0, 3, "INSERT INTO t VALUES (1)")).getDuplicate()).isTrue();
      assertThat(count(db, "t")).isEqualTo(1);
      assertThat(db.apply(1, 7, prepare("m1", 0, 5, "INSERT INTO t VALUES (2)")).hasError()).isFalse();
      assertThat(db.apply(1, 8, claim(1)).getPreparedTxIdsList()).containsExactly("m1");

      assertThat(db.apply(1, 9, resolve("m1", true, 1)).hasError()).isFalse();
      assertThat(db.readResolved(sql).getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(2);
      assertThat(db.apply(1, 10, write("w2", 1, 6, "INSERT INTO t VALUES (3)")).hasError()).isFalse();
      assertThat(count(db, "t")).isEqualTo(3);
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

  private static long value(ShardDatabase db, String sql) {
    return db.read(List.of(Statements.of(sql))).getResults(0).getRows(0).getValues(0).getInteger();
  }

  @Test
  void aRetryIsAnsweredWithItsRecordedOutcomeWhetherItsChecksOrStatementsWouldPassOrFail() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x UNIQUE)", "CREATE TABLE acc(id INTEGER PRIMARY KEY, v)",
          "INSERT INTO acc VALUES (1, 0)"));
      ShardResult first = db.apply(1, 2, write("c", 0, 11, "INSERT INTO t VALUES (1)",
          "UPDATE acc SET v = v + 1 WHERE id = 1"));
      assertThat(first.hasError()).isFalse();

      // Refused by the checks (its LSN is the shard's already): answered, not refused.
      ShardResult sameLsn = db.apply(1, 3, write("c", 0, 11, "INSERT INTO t VALUES (1)",
          "UPDATE acc SET v = v + 1 WHERE id = 1"));
      // Passing the checks, its first statement now fails (the value is taken): answered, not failed.
      ShardResult failing = db.apply(1, 4, write("c", 0, 12, "INSERT INTO t VALUES (1)",
          "UPDATE acc SET v = v + 1 WHERE id = 1"));
      // Passing the checks and its statements: answered, and its statements undone.
      ShardResult passing = db.apply(1, 5, write("c", 0, 13, "UPDATE acc SET v = v + 1 WHERE id = 1"));
      db.apply(1, 6, claim(5));
      // Fenced by the claimed epoch: answered too.
      ShardResult fenced = db.apply(1, 7, write("c", 0, 14, "UPDATE acc SET v = v + 1 WHERE id = 1"));

      for (ShardResult retry : List.of(sameLsn, failing, passing, fenced)) {
        assertThat(retry.getDuplicate()).isTrue();
        assertThat(retry.hasError()).isFalse();
        assertThat(retry.getResultsList()).isEqualTo(first.getResultsList());
        assertThat(retry.getGlobalLsn()).isEqualTo(11);
      }
      assertThat(value(db, "SELECT v FROM acc WHERE id = 1")).isEqualTo(1);
      assertThat(count(db, "t")).isEqualTo(1);
      assertThat(db.meta().globalLsn()).isEqualTo(11);
      assertThat(db.meta().appliedIndex()).isEqualTo(7);

      // A retry next to new batches in one entry: they apply, it is answered, in their order.
      ShardEntry group = ShardEntry.newBuilder().setGroup(io.shardlite.proto.WriteGroup.newBuilder()
          .addBatches(batch("d", 5, 20, "UPDATE acc SET v = v + 10 WHERE id = 1"))
          .addBatches(batch("c", 5, 21, "UPDATE acc SET v = v + 1 WHERE id = 1"))
          .addBatches(batch("e", 5, 22, "UPDATE acc SET v = v + 100 WHERE id = 1")))
          .build();
      List<ShardResult> results = io.shardlite.proto.ShardResults.parseFrom(db.applyEntry(1, 8, group.toByteString()))
          .getResultsList();
      assertThat(results).extracting(ShardResult::getDuplicate).containsExactly(false, true, false);
      assertThat(value(db, "SELECT v FROM acc WHERE id = 1")).isEqualTo(111);
      assertThat(db.meta().globalLsn()).isEqualTo(22);
    }
  }

  @Test
  void recordedIdsAreForgottenAfterTheRetentionAndKeptWithinIt() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x)"));
      db.apply(1, 2, write("old", 0, 0, "INSERT INTO t VALUES ('old')"));
      long kept = 100 * 1024;
      db.apply(1, kept, write("kept", 0, 0, "INSERT INTO t VALUES ('kept')"));
      // Ids are forgotten at entries that are multiples of 1,024: this one forgets those at or below 2,752.
      long forgetting = 198 * 1024;
      assertThat(forgetting - ShardDatabase.TX_RETENTION_ENTRIES).isBetween(2L, kept - 1);
      db.apply(1, forgetting, write("new", 0, 0, "INSERT INTO t VALUES ('new')"));

      assertThat(db.apply(1, forgetting + 1, write("old", 0, 0, "INSERT INTO t VALUES ('old')")).getDuplicate())
          .isFalse();
      assertThat(db.apply(1, forgetting + 2, write("kept", 0, 0, "INSERT INTO t VALUES ('kept')")).getDuplicate())
          .isTrue();
      assertThat(db.apply(1, forgetting + 3, write("new", 0, 0, "INSERT INTO t VALUES ('new')")).getDuplicate())
          .isTrue();
      assertThat(count(db, "t")).isEqualTo(4);
    }
  }

  @Test
  void theIndexOfIdsByEntryThatEarlierVersionsMadeIsDroppedOnOpen() throws Exception {
    Path file = dir.resolve("s.db");
    ShardDatabase.open(file).close();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE INDEX _shardlite_tx_by_index ON _shardlite_tx(applied_index)");
    }
    try (ShardDatabase db = ShardDatabase.open(file)) {
      db.apply(1, 1, write("a", 0, 0, "CREATE TABLE t(x)"));
      assertThat(db.apply(1, 2, write("a", 0, 0, "CREATE TABLE t(x)")).getDuplicate()).isTrue();
    }
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_schema WHERE name = '_shardlite_tx_by_index'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isZero();
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

  /**
   * A resolution sent with the lane's next group (one entry) acts exactly like a resolve entry
   * followed by a group entry: same rows, same LSN and epoch, same outcomes; commit, abort, a part
   * that is not prepared and a stale epoch alike.
   */
  @Test
  void aResolutionInTheNextGroupActsLikeAResolveEntryFollowedByTheGroup() throws Exception {
    record Case(String name, boolean prepare, boolean commit, long resolveEpoch) {}
    List<Case> cases = List.of(new Case("commit", true, true, 1), new Case("abort", true, false, 1),
        new Case("not prepared", false, true, 1), new Case("stale epoch", true, true, 0));
    for (Case c : cases) {
      io.shardlite.proto.ResolvePart resolvePart = io.shardlite.proto.ResolvePart.newBuilder().setTxId("m1")
          .setCommit(c.commit()).setEpoch(c.resolveEpoch()).build();
      io.shardlite.proto.WriteGroup batches = io.shardlite.proto.WriteGroup.newBuilder()
          .addBatches(ShardEntry.parseFrom(write("w1", 1, 6, "INSERT INTO t VALUES (2, 'b')",
              "SELECT count(*) FROM t")).getWrite())
          .addBatches(ShardEntry.parseFrom(write("w2", 1, 7, "INSERT INTO t VALUES (2, 'c')")).getWrite())
          .build();
      try (ShardDatabase separate = ShardDatabase.open(dir.resolve(c.name() + "-separate.db"));
          ShardDatabase combined = ShardDatabase.open(dir.resolve(c.name() + "-combined.db"))) {
        for (ShardDatabase db : List.of(separate, combined)) {
          db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"));
          db.apply(1, 2, claim(1));
          if (c.prepare()) {
            assertThat(db.apply(1, 3, prepare("m1", 1, 5, "INSERT INTO t VALUES (1, 'a')")).hasError()).isFalse();
          }
        }
        ShardResult resolvedApart = separate.apply(1, 4, ShardEntry.newBuilder().setResolve(resolvePart).build()
            .toByteString());
        List<ShardResult> groupApart = io.shardlite.proto.ShardResults.parseFrom(separate.applyEntry(1, 5,
            ShardEntry.newBuilder().setGroup(batches).build().toByteString())).getResultsList();
        ByteString together = ShardEntry.newBuilder().setGroup(batches.toBuilder().setResolveFirst(resolvePart)).build()
            .toByteString();
        io.shardlite.proto.ShardResults both = io.shardlite.proto.ShardResults.parseFrom(combined.applyEntry(1, 4, together));

        assertThat(rows(combined)).as(c.name()).isEqualTo(rows(separate));
        assertThat(combined.meta().globalLsn()).as(c.name()).isEqualTo(separate.meta().globalLsn());
        assertThat(combined.meta().epoch()).as(c.name()).isEqualTo(separate.meta().epoch());
        assertThat(outcome(both.getResolved())).as(c.name()).isEqualTo(outcome(resolvedApart));
        assertThat(both.getResultsList().stream().map(ShardDatabaseTest::outcome).toList()).as(c.name())
            .isEqualTo(groupApart.stream().map(ShardDatabaseTest::outcome).toList());
        assertThat(combined.apply(1, 6, claim(2)).getPreparedTxIdsList()).as(c.name())
            .isEqualTo(separate.apply(1, 6, claim(2)).getPreparedTxIdsList());
        // Replayed (a restart before the leader confirms the commit index): nothing applies twice.
        io.shardlite.proto.ShardResults replay = io.shardlite.proto.ShardResults.parseFrom(combined.applyEntry(1, 4, together));
        assertThat(replay.getResolved().getDuplicate()).isTrue();
        assertThat(replay.getResultsList()).allMatch(ShardResult::getDuplicate);
        assertThat(rows(combined)).as(c.name()).isEqualTo(rows(separate));
      }
    }
  }

  /**
   * A part prepared last in a group (the lane's writes sequenced before a multi-shard transaction,
   * sent with its prepare) acts exactly like the group entry followed by a prepare entry: same
   * rows, meta and outcomes, whether the part prepares, fails, is out of order or fenced, and with
   * a resolution first as well; the part then resolves the same way, and a replay applies nothing.
   */
  @Test
  void aPartPreparedLastInAGroupActsLikeTheGroupFollowedByAPrepareEntry() throws Exception {
    record Case(String name, long partEpoch, long partLsn, String partSql, boolean resolveFirst) {}
    List<Case> cases = List.of(new Case("prepared", 1, 8, "INSERT INTO t VALUES (5, 'p')", false),
        new Case("failing", 1, 8, "INSERT INTO t VALUES (2, 'dup')", false),
        new Case("out of order", 1, 7, "INSERT INTO t VALUES (5, 'p')", false),
        new Case("stale epoch", 0, 8, "INSERT INTO t VALUES (5, 'p')", false),
        new Case("with a resolution first", 1, 8, "INSERT INTO t VALUES (5, 'p')", true));
    for (Case c : cases) {
      WriteBatch part = ShardEntry.parseFrom(write("m1", c.partEpoch(), c.partLsn(), c.partSql(),
          "SELECT count(*) FROM t")).getWrite();
      io.shardlite.proto.ResolvePart resolveEarlier = io.shardlite.proto.ResolvePart.newBuilder().setTxId("m0")
          .setCommit(true).setEpoch(1).build();
      io.shardlite.proto.WriteGroup.Builder group = io.shardlite.proto.WriteGroup.newBuilder()
          .addBatches(ShardEntry.parseFrom(write("w1", 1, 6, "INSERT INTO t VALUES (2, 'b')")).getWrite())
          .addBatches(ShardEntry.parseFrom(write("w2", 1, 7, "INSERT INTO t VALUES (3, 'c')")).getWrite());
      if (c.resolveFirst()) {
        group.setResolveFirst(resolveEarlier);
      }
      try (ShardDatabase separate = ShardDatabase.open(dir.resolve(c.name() + "-separate.db"));
          ShardDatabase combined = ShardDatabase.open(dir.resolve(c.name() + "-combined.db"))) {
        for (ShardDatabase db : List.of(separate, combined)) {
          db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"));
          db.apply(1, 2, claim(1));
          if (c.resolveFirst()) {
            assertThat(db.apply(1, 3, prepare("m0", 1, 5, "INSERT INTO t VALUES (1, 'a')")).hasError()).isFalse();
          }
        }
        io.shardlite.proto.ShardResults groupApart = io.shardlite.proto.ShardResults.parseFrom(separate.applyEntry(1, 4,
            ShardEntry.newBuilder().setGroup(group).build().toByteString()));
        ShardResult preparedApart = separate.apply(1, 5, ShardEntry.newBuilder()
            .setPrepare(io.shardlite.proto.PreparePart.newBuilder().setBatch(part)).build().toByteString());
        ByteString together = ShardEntry.newBuilder().setGroup(group.clone()
            .setPrepareLast(io.shardlite.proto.PreparePart.newBuilder().setBatch(part))).build().toByteString();
        io.shardlite.proto.ShardResults both = io.shardlite.proto.ShardResults.parseFrom(combined.applyEntry(1, 4, together));

        assertThat(rows(combined)).as(c.name()).isEqualTo(rows(separate));
        assertThat(combined.meta().globalLsn()).as(c.name()).isEqualTo(separate.meta().globalLsn());
        assertThat(outcome(both.getPrepared())).as(c.name()).isEqualTo(outcome(preparedApart));
        assertThat(both.getResultsList().stream().map(ShardDatabaseTest::outcome).toList()).as(c.name())
            .isEqualTo(groupApart.getResultsList().stream().map(ShardDatabaseTest::outcome).toList());
        assertThat(outcome(both.getResolved())).as(c.name()).isEqualTo(outcome(groupApart.getResolved()));
        // Replayed: nothing applies twice.
        io.shardlite.proto.ShardResults replay = io.shardlite.proto.ShardResults.parseFrom(combined.applyEntry(1, 4, together));
        assertThat(replay.getPrepared().getDuplicate()).as(c.name()).isTrue();
        assertThat(replay.getResultsList()).allMatch(ShardResult::getDuplicate);
        // The part stays prepared (or not) the same way, and commits the same way.
        assertThat(combined.apply(1, 6, claim(2)).getPreparedTxIdsList()).as(c.name())
            .isEqualTo(separate.apply(1, 6, claim(2)).getPreparedTxIdsList());
        assertThat(outcome(combined.apply(1, 7, resolve("m1", true, 2)))).as(c.name())
            .isEqualTo(outcome(separate.apply(1, 7, resolve("m1", true, 2))));
        assertThat(rows(combined)).as(c.name()).isEqualTo(rows(separate));
        assertThat(combined.meta()).as(c.name()).isEqualTo(separate.meta());
      }
      // The entry was one commit: reopened, the file holds the part and the entry's index.
      try (ShardDatabase reopened = ShardDatabase.open(dir.resolve(c.name() + "-combined.db"))) {
        assertThat(reopened.meta().appliedIndex()).isEqualTo(7);
      }
    }
  }

  private static List<String> rows(ShardDatabase db) {
    return db.read(List.of(Statements.of("SELECT x, y FROM t ORDER BY x"))).getResults(0).getRowsList().stream()
        .map(r -> r.getValues(0).getInteger() + "=" + r.getValues(1).getText()).toList();
  }

  /** What a caller learns from a result: its error code (or none) and its statement results. */
  private static String outcome(ShardResult r) {
    return (r.hasError() ? r.getError().getCode().name() : "OK") + " " + r.getResultsList();
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

  @Test
  void onlyStatementsThatAddedRowsReportALastInsertRowid() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(k INTEGER PRIMARY KEY, v UNIQUE)"));
      // The shard records every transaction in a table of its own after the statements ran: an
      // UPDATE must not report that row, nor the INSERT that added nothing.
      db.apply(1, 2, write("first", 0, 0, "INSERT INTO t(k, v) VALUES (7, 'a')"));
      ShardResult r = db.apply(1, 3, write("second", 0, 0, "UPDATE t SET v = 'b' WHERE k = 7",
          "INSERT OR IGNORE INTO t(k, v) VALUES (8, 'b')", "DELETE FROM t WHERE k = 99",
          "WITH n(x) AS (VALUES (9)) INSERT INTO t(k, v) SELECT x, 'c' FROM n", "REPLACE INTO t(k, v) VALUES (11, 'd')",
          "WITH m(x) AS (VALUES (7)) UPDATE t SET v = 'e' WHERE k IN m"));
      assertThat(r.hasError()).isFalse();
      assertThat(r.getResultsList()).extracting(io.shardlite.proto.StatementResult::getRowsAffected)
          .containsExactly(1L, 0L, 0L, 1L, 1L, 1L);
      assertThat(r.getResultsList()).extracting(io.shardlite.proto.StatementResult::getLastInsertRowid)
          .containsExactly(0L, 0L, 0L, 9L, 11L, 0L);
    }
  }
}
