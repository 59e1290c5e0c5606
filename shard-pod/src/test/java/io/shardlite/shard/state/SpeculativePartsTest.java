package io.shardlite.shard.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.shardlite.shard.state.ShardEntries.batch;
import static io.shardlite.shard.state.ShardEntries.claim;
import static io.shardlite.shard.state.ShardEntries.itemPrepare;
import static io.shardlite.shard.state.ShardEntries.itemResolve;
import static io.shardlite.shard.state.ShardEntries.itemSpeculative;
import static io.shardlite.shard.state.ShardEntries.itemWrite;
import static io.shardlite.shard.state.ShardEntries.items;
import static io.shardlite.shard.state.ShardEntries.prepare;
import static io.shardlite.shard.state.ShardEntries.resolution;
import static io.shardlite.shard.state.ShardEntries.resolve;
import static io.shardlite.shard.state.ShardEntries.speculative;
import static io.shardlite.shard.state.ShardEntries.write;

import com.google.protobuf.ByteString;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.PreparePart;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardResults;
import io.shardlite.proto.WriteGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speculative multi-shard parts on one shard file, without Raft: later entries apply on top of
 * them, COMMIT keeps them, ABORT undoes them and what followed, reads wait, and a restart
 * replays the log to the same state.
 */
class SpeculativePartsTest {
  @TempDir
  Path dir;

  /** Committed rows of t, as a follower read sees them. */
  private static List<Long> committedRows(ShardDatabase db) {
    return db.read(List.of(Statements.of("SELECT x FROM t ORDER BY x"))).getResults(0).getRowsList().stream()
        .map(r -> r.getValues(0).getInteger()).toList();
  }

  /** Rows of t by a linearizable read: refused while a speculative part is unresolved. */
  private static List<Long> resolvedRows(ShardDatabase db) {
    return db.readResolved(List.of(Statements.of("SELECT x FROM t ORDER BY x"))).getResults(0).getRowsList().stream()
        .map(r -> r.getValues(0).getInteger()).toList();
  }

  private static void assertReadWaits(ShardDatabase db, String txId) {
    assertThatThrownBy(() -> resolvedRows(db)).isInstanceOfSatisfying(ShardliteException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.PART_IN_DOUBT);
      assertThat(e.getMessage()).contains(txId);
    });
  }

  @Test
  void writesApplyOnTopOfASpeculativePartAndBecomeDurableWithItsCommit() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"));
      ShardResult prepared = db.apply(1, 2, speculative("m1", 0, 5, "INSERT INTO t VALUES (1, 'a')",
          "SELECT count(*) FROM t"));
      assertThat(prepared.hasError()).isFalse();
      assertThat(prepared.getResults(1).getRows(0).getValues(0).getInteger()).isEqualTo(1);
      // The write after the part sees it: it runs at its place in LSN order.
      ShardResult onTop = db.apply(1, 3, write("w1", 0, 6, "UPDATE t SET y = 'b' WHERE x = 1"));
      assertThat(onTop.getResults(0).getRowsAffected()).isEqualTo(1);
      assertThat(db.speculativeTailOpen()).isTrue();
      assertThat(committedRows(db)).isEmpty();
      assertThat(db.meta().appliedIndex()).isEqualTo(1);
      assertReadWaits(db, "m1");
      // Follower reads measure how long the file has lagged (they refuse past their bound).
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
      while (db.speculativeTailAgeMillis() < 2 && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
      assertThat(db.speculativeTailAgeMillis()).isGreaterThanOrEqualTo(2);

      ShardResult committed = db.apply(1, 4, resolve("m1", true, 0));
      assertThat(committed.hasError()).isFalse();
      assertThat(committed.getResults(1).getRows(0).getValues(0).getInteger()).isEqualTo(1);
      assertThat(db.speculativeTailOpen()).isFalse();
      assertThat(db.speculativeTailAgeMillis()).isZero();
      assertThat(resolvedRows(db)).containsExactly(1L);
      assertThat(db.readResolved(List.of(Statements.of("SELECT y FROM t"))).getResults(0).getRows(0).getValues(0)
          .getText()).isEqualTo("b");
      assertThat(db.meta()).isEqualTo(new ShardDatabase.Meta(4, 1, 6, 0));
      // The part's outcome is recorded: its prepare and its resolution again are duplicates.
      assertThat(db.apply(1, 5, resolve("m1", true, 0)).getDuplicate()).isTrue();
      assertThat(db.apply(1, 6, speculative("m1", 0, 5, "INSERT INTO t VALUES (1, 'a')")).getDuplicate()).isTrue();
      assertThat(committedRows(db)).containsExactly(1L);
    }
  }

  @Test
  void aSnapshotTakenBesideAnOpenTailHoldsWhatIsCommittedAndSaysSo() throws Exception {
    Path copy = dir.resolve("snapshot.db");
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"));
      db.apply(1, 2, write("w0", 0, 4, "INSERT INTO t VALUES (0, 'committed')"));
      db.apply(1, 3, speculative("m1", 0, 5, "INSERT INTO t VALUES (1, 'a')"));
      db.apply(1, 4, write("w1", 0, 6, "INSERT INTO t VALUES (2, 'b')"));
      assertThat(db.speculativeTailOpen()).isTrue();

      // Another thread copies while the writer's transaction stays open (as the snapshot writer does).
      Thread copier = new Thread(() -> db.snapshotTo(copy));
      copier.start();
      copier.join(30_000);
      assertThat(copier.isAlive()).isFalse();
      assertThat(ShardDatabase.metaOf(copy)).isEqualTo(new ShardDatabase.Meta(2, 1, 4, 0));

      // The tail goes on and commits; the copy stays as it was.
      db.apply(1, 5, resolve("m1", true, 0));
      assertThat(committedRows(db)).containsExactly(0L, 1L, 2L);
    }
    ShardDatabase.restore(copy, dir.resolve("restored.db"));
    try (ShardDatabase restored = ShardDatabase.open(dir.resolve("restored.db"))) {
      assertThat(committedRows(restored)).containsExactly(0L);
      assertThat(restored.meta().appliedIndex()).isEqualTo(2);
    }
  }

  @Test
  void anAbortUndoesThePartAndEverythingAfterItButNeverAClaimedEpoch() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      db.apply(1, 2, write("w0", 0, 3, "INSERT INTO t VALUES (1)"));
      assertThat(db.apply(1, 3, speculative("m1", 0, 5, "INSERT INTO t VALUES (2)")).hasError()).isFalse();
      assertThat(db.apply(1, 4, write("w1", 0, 6, "INSERT INTO t VALUES (3)")).hasError()).isFalse();
      // A new owner's claim lands in the open tail and reports the unresolved part.
      assertThat(db.apply(1, 5, claim(2)).getPreparedTxIdsList()).containsExactly("m1");

      ShardResult aborted = db.apply(1, 6, resolve("m1", false, 2));
      assertThat(aborted.hasError()).isFalse();
      assertThat(resolvedRows(db)).containsExactly(1L);
      assertThat(db.meta()).isEqualTo(new ShardDatabase.Meta(6, 1, 3, 2));
      // The rolled-back write left no recorded outcome: its retry applies (at the new epoch)...
      ShardResult retried = db.apply(1, 7, write("w1", 2, 7, "INSERT INTO t VALUES (3)"));
      assertThat(retried.hasError()).isFalse();
      assertThat(retried.getDuplicate()).isFalse();
      // ...and the claim still fences the old owner.
      assertThat(db.apply(1, 8, write("w2", 0, 8, "INSERT INTO t VALUES (4)")).getError().getCode())
          .isEqualTo(ErrorCode.STALE_EPOCH);
      assertThat(db.apply(1, 9, resolve("m1", true, 2)).getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_TRANSACTION);
      assertThat(db.apply(1, 10, resolve("m1", false, 2)).hasError()).isFalse();
      assertThat(resolvedRows(db)).containsExactly(1L, 3L);
    }
  }

  @Test
  void stackedPartsCommitInOrderAndAnAbortUndoesOnlyWhatFollowsTheAbortedPart() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      db.apply(1, 2, speculative("m1", 0, 5, "INSERT INTO t VALUES (1)"));
      db.apply(1, 3, write("w1", 0, 6, "INSERT INTO t VALUES (10)"));
      db.apply(1, 4, speculative("m2", 0, 7, "INSERT INTO t VALUES (2)"));
      db.apply(1, 5, write("w2", 0, 8, "INSERT INTO t VALUES (20)"));
      assertThat(db.apply(1, 6, claim(0)).getPreparedTxIdsList()).containsExactly("m1", "m2");

      assertThat(db.apply(1, 7, resolve("m1", true, 0)).hasError()).isFalse();
      assertReadWaits(db, "m2"); // m1 is committed, m2 still holds the tail open
      assertThat(committedRows(db)).isEmpty();
      assertThat(db.apply(1, 8, resolve("m2", false, 0)).hasError()).isFalse();
      assertThat(db.speculativeTailOpen()).isFalse();
      assertThat(resolvedRows(db)).containsExactly(1L, 10L);
      assertThat(db.meta()).isEqualTo(new ShardDatabase.Meta(8, 1, 6, 0));

      // Aborting the lower part takes the upper one with it.
      db.apply(1, 9, speculative("m3", 0, 9, "INSERT INTO t VALUES (3)"));
      db.apply(1, 10, speculative("m4", 0, 10, "INSERT INTO t VALUES (4)"));
      assertThat(db.apply(1, 11, resolve("m3", false, 0)).hasError()).isFalse();
      assertThat(db.speculativeTailOpen()).isFalse();
      assertThat(db.apply(1, 12, resolve("m4", false, 0)).hasError()).isFalse();
      assertThat(db.apply(1, 13, resolve("m4", true, 0)).getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_TRANSACTION);
      assertThat(resolvedRows(db)).containsExactly(1L, 10L);
    }
  }

  @Test
  void aCommittedPartKeepsItsRecordedOutcomeWhenAPartAboveItAborts() {
    Path file = dir.resolve("s.db");
    try (ShardDatabase db = ShardDatabase.open(file)) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      db.apply(1, 2, speculative("m1", 0, 5, "INSERT INTO t VALUES (1)"));
      db.apply(1, 3, speculative("m2", 0, 6, "INSERT INTO t VALUES (2)"));
      assertThat(db.apply(1, 4, resolve("m1", true, 0)).hasError()).isFalse();
      assertThat(db.apply(1, 5, resolve("m2", false, 0)).hasError()).isFalse(); // rolls back to m2's savepoint
      assertThat(db.speculativeTailOpen()).isFalse();

      // A repeated COMMIT (a coordinator's retry replays the decision) finds m1's recorded outcome.
      ShardResult again = db.apply(1, 6, resolve("m1", true, 0));
      assertThat(again.hasError()).as("%s", again.getError()).isFalse();
      assertThat(again.getDuplicate()).isTrue();
      assertThat(db.apply(1, 7, speculative("m1", 0, 5, "INSERT INTO t VALUES (1)")).getDuplicate()).isTrue();
    }
    try (ShardDatabase db = ShardDatabase.open(file)) {
      assertThat(db.apply(1, 8, resolve("m1", true, 0)).getDuplicate()).isTrue();
      assertThat(resolvedRows(db)).containsExactly(1L);
    }
  }

  @Test
  void storedAndSpeculativePartsDoNotMix() {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      assertThat(db.apply(1, 2, prepare("m1", 0, 5, "INSERT INTO t VALUES (1)")).hasError()).isFalse();
      assertThat(db.apply(1, 3, speculative("m2", 0, 6, "INSERT INTO t VALUES (2)")).getError().getCode())
          .isEqualTo(ErrorCode.PART_IN_DOUBT);
      db.apply(1, 4, resolve("m1", true, 0));
      assertThat(db.apply(1, 5, speculative("m2", 0, 6, "INSERT INTO t VALUES (2)")).hasError()).isFalse();
      assertThat(db.apply(1, 6, prepare("m3", 0, 7, "INSERT INTO t VALUES (3)")).getError().getCode())
          .isEqualTo(ErrorCode.PART_IN_DOUBT);
      // A failing speculative part leaves nothing, and the tail it would have joined stays as it was.
      assertThat(db.apply(1, 7, speculative("m4", 0, 8, "INSERT INTO t VALUES (2)")).getError().getCode())
          .isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
      assertThat(db.apply(1, 8, claim(0)).getPreparedTxIdsList()).containsExactly("m2");
      db.apply(1, 9, resolve("m2", true, 0));
      assertThat(resolvedRows(db)).containsExactly(1L, 2L);
    }
  }

  @Test
  void groupEntriesCarryASpeculativePartLastAndItsResolutionFirst() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      ShardEntry first = ShardEntry.newBuilder().setGroup(WriteGroup.newBuilder()
          .addBatches(batch("w1", 0, 3, "INSERT INTO t VALUES (1)"))
          .setPrepareLast(PreparePart.newBuilder().setBatch(batch("m1", 0, 4, "INSERT INTO t VALUES (2)"))
              .setSpeculative(true))).build();
      ShardResults r1 = ShardResults.parseFrom(db.applyEntry(1, 2, first.toByteString()));
      assertThat(r1.getResults(0).hasError()).isFalse();
      assertThat(r1.getPrepared().hasError()).isFalse();
      assertThat(db.speculativeTailOpen()).isTrue();
      assertThat(committedRows(db)).isEmpty(); // the group before the part commits with the tail

      ShardEntry second = ShardEntry.newBuilder().setGroup(WriteGroup.newBuilder()
          .setResolveFirst(resolution("m1", true, 0))
          .addBatches(batch("w2", 0, 5, "INSERT INTO t VALUES (3)"))).build();
      ShardResults r2 = ShardResults.parseFrom(db.applyEntry(1, 3, second.toByteString()));
      assertThat(r2.getResolved().hasError()).isFalse();
      assertThat(r2.getResults(0).hasError()).isFalse();
      assertThat(resolvedRows(db)).containsExactly(1L, 2L, 3L);
      assertThat(db.meta()).isEqualTo(new ShardDatabase.Meta(3, 1, 5, 0));
    }
  }

  /**
   * A group of items applies exactly as one entry per item would (same outcomes, same file), with
   * one commit per entry: several parts placed and several resolved in one entry.
   */
  @Test
  void itemsApplyAsOneEntryEachWouldInOneCommit() throws Exception {
    String schema = "CREATE TABLE t(x INTEGER PRIMARY KEY, y)";
    List<ByteString> oneByOne = List.of(
        write("schema", 0, 0, schema),
        write("w0", 0, 2, "INSERT INTO t VALUES (1, random())"),
        speculative("m1", 0, 3, "INSERT INTO t VALUES (2, 0)"),
        write("w1", 0, 4, "UPDATE t SET y = 7 WHERE x = 2"),
        speculative("m2", 0, 5, "INSERT INTO t VALUES (3, (SELECT count(*) FROM t))"),
        write("w2", 0, 6, "INSERT INTO t VALUES (4, 0)"),
        resolve("m1", true, 0),
        resolve("m2", true, 0),
        write("w3", 0, 7, "INSERT INTO t VALUES (5, 0)"),
        speculative("m3", 0, 8, "INSERT INTO t VALUES (6, 0)"),
        write("w4", 0, 9, "INSERT INTO t VALUES (7, 0)"),
        resolve("m3", false, 0),
        write("w5", 0, 10, "INSERT INTO t VALUES (8, 0)"));
    List<ByteString> grouped = List.of(
        write("schema", 0, 0, schema),
        items(itemWrite("w0", 0, 2, "INSERT INTO t VALUES (1, random())"),
            itemSpeculative("m1", 0, 3, "INSERT INTO t VALUES (2, 0)"),
            itemWrite("w1", 0, 4, "UPDATE t SET y = 7 WHERE x = 2"),
            itemSpeculative("m2", 0, 5, "INSERT INTO t VALUES (3, (SELECT count(*) FROM t))"),
            itemWrite("w2", 0, 6, "INSERT INTO t VALUES (4, 0)")),
        items(itemResolve("m1", true, 0), itemResolve("m2", true, 0),
            itemWrite("w3", 0, 7, "INSERT INTO t VALUES (5, 0)"),
            itemSpeculative("m3", 0, 8, "INSERT INTO t VALUES (6, 0)"),
            itemWrite("w4", 0, 9, "INSERT INTO t VALUES (7, 0)")),
        items(itemResolve("m3", false, 0), itemWrite("w5", 0, 10, "INSERT INTO t VALUES (8, 0)")));
    List<ShardResult> expected = new ArrayList<>();
    String expectedDump;
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("one.db"))) {
      for (int i = 0; i < oneByOne.size(); i++) {
        expected.add(db.apply(1, i + 1, oneByOne.get(i)).toBuilder().clearAppliedIndex().build());
      }
      expectedDump = db.dump(true).text();
      assertThat(resolvedRows(db)).containsExactly(1L, 2L, 3L, 4L, 5L, 8L);
    }
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("grouped.db"))) {
      List<ShardResult> got = new ArrayList<>();
      db.apply(1, 1, grouped.get(0));
      got.add(expected.get(0));
      ShardResults second = ShardResults.parseFrom(db.applyEntry(1, 2, grouped.get(1)));
      assertThat(db.speculativeTailOpen()).isTrue();
      assertThat(committedRows(db)).isEmpty(); // w0 waits for the tail it sits below
      ShardResults third = ShardResults.parseFrom(db.applyEntry(1, 3, grouped.get(2)));
      assertReadWaits(db, "m3");
      ShardResults fourth = ShardResults.parseFrom(db.applyEntry(1, 4, grouped.get(3)));
      for (ShardResults r : List.of(second, third, fourth)) {
        r.getItemResultsList().forEach(x -> got.add(x.toBuilder().clearAppliedIndex().build()));
      }
      // Same outcomes item by item (w4 is rolled back with m3 in both logs, after its answer).
      assertThat(got).isEqualTo(expected);
      assertThat(db.speculativeTailOpen()).isFalse();
      assertThat(db.dump(true).text()).isEqualTo(expectedDump);
      assertThat(db.meta()).isEqualTo(new ShardDatabase.Meta(4, 1, 10, 0));
      // A re-delivered entry answers every item as a duplicate and changes nothing.
      ShardResults again = ShardResults.parseFrom(db.applyEntry(1, 3, grouped.get(2)));
      assertThat(again.getItemResultsList()).hasSize(5).allMatch(ShardResult::getDuplicate);
      assertThat(db.dump(true).text()).isEqualTo(expectedDump);
    }
    // The items share one meta row update per entry: the file says where the last entry left it.
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("grouped.db"))) {
      assertThat(db.meta()).isEqualTo(new ShardDatabase.Meta(4, 1, 10, 0));
    }
    assertEveryCrashReplaysTo(grouped, "crash", expectedDump);
  }

  @Test
  void aStoredPartInAGroupHoldsTheRestOfItsEntry() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      ShardResults r = ShardResults.parseFrom(db.applyEntry(1, 2, items(
          itemWrite("w1", 0, 2, "INSERT INTO t VALUES (1)"),
          itemPrepare("m1", 0, 3, "INSERT INTO t VALUES (2)"),
          itemWrite("w2", 0, 4, "INSERT INTO t VALUES (3)"))));
      assertThat(r.getItemResults(0).hasError()).isFalse();
      assertThat(r.getItemResults(1).hasError()).isFalse();
      assertThat(r.getItemResults(2).getError().getCode()).isEqualTo(ErrorCode.PART_IN_DOUBT);
      assertThat(committedRows(db)).containsExactly(1L); // the entry committed once, the part stays stored
      ShardResults resolved = ShardResults.parseFrom(db.applyEntry(1, 3, items(itemResolve("m1", true, 0),
          itemWrite("w2", 0, 4, "INSERT INTO t VALUES (3)"))));
      assertThat(resolved.getItemResultsList()).noneMatch(ShardResult::hasError);
      assertThat(resolvedRows(db)).containsExactly(1L, 2L, 3L);
    }
  }

  /** The tail is not in the file until it commits: a restarted replica rebuilds it from the log. */
  @Test
  void aReplicaRestartedWithATailOpenReplaysTheLogToTheSameState() {
    List<ByteString> log = new ArrayList<>(List.of(
        write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"),
        write("w0", 0, 2, "INSERT INTO t VALUES (1, random())"),
        speculative("m1", 0, 3, "INSERT INTO t VALUES (2, random())"),
        write("w1", 0, 4, "UPDATE t SET y = y + 1"),
        speculative("m2", 0, 5, "INSERT INTO t VALUES (3, 0)"),
        resolve("m1", true, 0),
        write("w2", 0, 6, "INSERT INTO t VALUES (4, 0)"),
        resolve("m2", false, 0),
        write("w3", 0, 7, "INSERT INTO t VALUES (5, 0)")));
    String expected;
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("a.db"))) {
      for (int i = 0; i < log.size(); i++) {
        db.apply(1, i + 1, log.get(i));
      }
      expected = db.dump(true).text();
    }
    assertEveryCrashReplaysTo(log, "b", expected);
  }

  /**
   * Batches that fail after they wrote (a constraint hit by their second statement) change
   * nothing, while the batches around them in the same entry, and the speculative part below
   * them, keep their writes; the shard's LSN is the last applied batch's; the part's ABORT still
   * undoes the part and everything after it.
   */
  @Test
  void batchesThatFailAfterWritingChangeNothingOnTopOfAnOpenPart() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"));
      db.apply(1, 2, speculative("m1", 0, 5, "INSERT INTO t VALUES (1, 'part')"));
      List<ShardResult> results = ShardResults.parseFrom(db.applyEntry(1, 3, items(
          itemWrite("w1", 0, 6, "INSERT INTO t VALUES (2, 'a')"),
          itemWrite("w2", 0, 7, "INSERT INTO t VALUES (3, 'b')", "INSERT INTO t VALUES (1, 'dup')"),
          itemWrite("w3", 0, 8, "INSERT INTO t VALUES (4, 'c')"),
          itemWrite("w4", 0, 9, "UPDATE t SET y = 'changed' WHERE x = 2", "INSERT INTO t VALUES (2, 'dup')"),
          itemWrite("w5", 0, 10, "UPDATE t SET y = 'd' WHERE x = 4")))).getItemResultsList();
      assertThat(results).extracting(ShardResult::hasError).containsExactly(false, true, false, true, false);
      assertThat(results.get(1).getError().getCode()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
      assertThat(results.get(3).getError().getCode()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
      assertThat(results.get(4).getGlobalLsn()).isEqualTo(10);
      assertThat(db.apply(1, 4, resolve("m1", true, 0)).hasError()).isFalse();
      assertThat(resolvedRows(db)).containsExactly(1L, 2L, 4L);
      ShardResult rows = db.read(List.of(Statements.of("SELECT y FROM t ORDER BY x")));
      assertThat(rows.getResults(0).getRowsList()).extracting(r -> r.getValues(0).getText())
          .containsExactly("part", "a", "d");
      assertThat(db.meta().globalLsn()).isEqualTo(10);
      // A failed batch's id is not recorded: its retry applies.
      assertThat(db.apply(1, 5, write("w2", 0, 11, "INSERT INTO t VALUES (3, 'b')")).hasError()).isFalse();

      db.apply(1, 6, speculative("m2", 0, 12, "INSERT INTO t VALUES (5, 'part')"));
      results = ShardResults.parseFrom(db.applyEntry(1, 7, items(
          itemWrite("w6", 0, 13, "INSERT INTO t VALUES (6, 'e')", "INSERT INTO t VALUES (5, 'dup')"),
          itemWrite("w7", 0, 14, "INSERT INTO t VALUES (7, 'f')")))).getItemResultsList();
      assertThat(results).extracting(ShardResult::hasError).containsExactly(true, false);
      db.apply(1, 8, resolve("m2", false, 0));
      assertThat(resolvedRows(db)).containsExactly(1L, 2L, 3L, 4L);
      assertThat(db.meta().globalLsn()).isEqualTo(11);
    }
  }

  /**
   * Runs of batches over an open tail keep their savepoints until the tail ends: a later run that
   * fails rolls back only itself, a part's ABORT only what followed the part, and the commit keeps
   * every run below the aborted part.
   */
  @Test
  void runsOverAnOpenTailRollBackOnlyThemselvesAndEndWithTheTail() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY, y)"));
      db.apply(1, 2, speculative("m1", 0, 5, "INSERT INTO t VALUES (1, 'part')"));
      assertThat(db.apply(1, 3, write("w1", 0, 6, "INSERT INTO t VALUES (2, 'a')")).hasError()).isFalse();
      assertThat(db.apply(1, 4, write("w2", 0, 7, "UPDATE t SET y = 'b' WHERE x = 2")).hasError()).isFalse();
      List<ShardResult> results = ShardResults.parseFrom(db.applyEntry(1, 5, items(
          itemWrite("w3", 0, 8, "UPDATE t SET y = 'lost' WHERE x = 2", "INSERT INTO t VALUES (1, 'dup')"),
          itemWrite("w4", 0, 9, "INSERT INTO t VALUES (3, 'c')")))).getItemResultsList();
      assertThat(results).extracting(ShardResult::hasError).containsExactly(true, false);
      db.apply(1, 6, speculative("m2", 0, 10, "INSERT INTO t VALUES (4, 'part')"));
      assertThat(db.apply(1, 7, write("w5", 0, 11, "UPDATE t SET y = 'gone' WHERE x = 3")).hasError()).isFalse();
      assertThat(db.apply(1, 8, resolve("m1", true, 0)).hasError()).isFalse();
      assertThat(db.speculativeTailOpen()).isTrue();
      assertThat(db.apply(1, 9, resolve("m2", false, 0)).hasError()).isFalse();
      assertThat(db.speculativeTailOpen()).isFalse();

      ShardResult rows = db.read(List.of(Statements.of("SELECT x, y FROM t ORDER BY x")));
      assertThat(rows.getResults(0).getRowsList())
          .extracting(r -> r.getValues(0).getInteger() + "=" + r.getValues(1).getText())
          .containsExactly("1=part", "2=b", "3=c");
      assertThat(db.meta().globalLsn()).isEqualTo(9);
      // What the abort undid left no recorded outcome; what stayed answers its retry as a duplicate.
      assertThat(db.apply(1, 10, write("w5", 0, 12, "UPDATE t SET y = 'e' WHERE x = 3")).getDuplicate()).isFalse();
      assertThat(db.apply(1, 11, write("w4", 0, 13, "INSERT INTO t VALUES (3, 'c')")).getDuplicate()).isTrue();
    }
  }

  /**
   * A replica that stops after any entry of {@code log} and replays the whole log on restart (as
   * Ratis re-delivers from its snapshot; applied entries are skipped) ends with {@code expectedDump}.
   */
  private void assertEveryCrashReplaysTo(List<ByteString> log, String name, String expectedDump) {
    for (int crashAfter = 1; crashAfter < log.size(); crashAfter++) {
      Path file = dir.resolve(name + crashAfter + ".db");
      try (ShardDatabase db = ShardDatabase.open(file)) {
        for (int i = 0; i < crashAfter; i++) {
          db.applyEntry(1, i + 1, log.get(i));
        }
      }
      try (ShardDatabase db = ShardDatabase.open(file)) {
        assertThat(db.meta().appliedIndex()).isLessThanOrEqualTo(crashAfter);
        for (int i = 0; i < log.size(); i++) {
          db.applyEntry(1, i + 1, log.get(i));
        }
        assertThat(db.dump(true).text()).as("crash after entry %d", crashAfter).isEqualTo(expectedDump);
        assertThat(db.meta().appliedIndex()).isEqualTo(log.size());
      }
    }
  }
}
