package io.shardlite.shard.state;

import static io.shardlite.shard.state.ShardEntries.claim;
import static io.shardlite.shard.state.ShardEntries.itemRead;
import static io.shardlite.shard.state.ShardEntries.itemWrite;
import static io.shardlite.shard.state.ShardEntries.items;
import static io.shardlite.shard.state.ShardEntries.prepare;
import static io.shardlite.shard.state.ShardEntries.resolve;
import static io.shardlite.shard.state.ShardEntries.speculative;
import static io.shardlite.shard.state.ShardEntries.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GroupItem;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardResults;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only multi-shard parts inside write groups, on one shard file without Raft: each reads the
 * shard exactly at its place in the entry, changes nothing, and is refused where its place cannot
 * be read (a part in doubt, a fenced epoch, a later LSN applied, a statement that writes).
 */
class ReadPartTest {
  @TempDir
  Path dir;

  private static List<ShardResult> apply(ShardDatabase db, long index, GroupItem... items)
      throws Exception {
    return ShardResults.parseFrom(db.applyEntry(1, index, items(items))).getItemResultsList();
  }

  private static long count(ShardResult read) {
    return read.getResults(0).getRows(0).getValues(0).getInteger();
  }

  @Test
  void aReadSeesTheItemsBeforeItAndNoneAfterItAndChangesNothing() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      List<ShardResult> r = apply(db, 2,
          itemWrite("w1", 0, 5, "INSERT INTO t VALUES (1)"),
          itemRead("r1", 0, 6, "SELECT count(*) FROM t", "SELECT max(x) FROM t"),
          itemWrite("w2", 0, 7, "INSERT INTO t VALUES (2)"));
      assertThat(r).extracting(ShardResult::hasError).containsExactly(false, false, false);
      assertThat(count(r.get(1))).isEqualTo(1);
      assertThat(r.get(1).getResults(1).getRows(0).getValues(0).getInteger()).isEqualTo(1);
      assertThat(db.meta().globalLsn()).isEqualTo(7);
      // A read alone moves the applied index only: not the LSN, no recorded id (its retry reads again).
      String before = db.dump(true).text();
      r = apply(db, 3, itemRead("r2", 0, 8, "SELECT count(*) FROM t"));
      assertThat(count(r.get(0))).isEqualTo(2);
      assertThat(db.meta().globalLsn()).isEqualTo(7);
      assertThat(db.meta().appliedIndex()).isEqualTo(3);
      assertThat(db.dump(true).text()).isEqualTo(before);
      assertThat(count(apply(db, 4, itemRead("r2", 0, 8, "SELECT count(*) FROM t")).get(0))).isEqualTo(2);
    }
  }

  @Test
  void aReadIsRefusedWhereItsPlaceCannotBeReadAndTheEntryGoesOn() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      db.apply(1, 2, claim(3));
      db.apply(1, 3, write("w1", 3, 10, "INSERT INTO t VALUES (1)"));
      List<ShardResult> r = apply(db, 4,
          itemRead("stale", 2, 11, "SELECT count(*) FROM t"),
          itemRead("late", 3, 9, "SELECT count(*) FROM t"),
          itemRead("writes", 3, 11, "DELETE FROM t"),
          itemRead("bad", 3, 11, "SELECT nope FROM t"),
          itemWrite("w2", 3, 12, "INSERT INTO t VALUES (2)"));
      assertThat(r.get(0).getError().getCode()).isEqualTo(ErrorCode.STALE_EPOCH);
      assertThat(r.get(1).getError().getCode()).isEqualTo(ErrorCode.OUT_OF_ORDER_LSN);
      assertThat(r.get(2).getError().getCode()).isEqualTo(ErrorCode.FORBIDDEN_STATEMENT);
      assertThat(r.get(3).getError().getCode()).isEqualTo(ErrorCode.SQL_ERROR);
      assertThat(r.get(4).hasError()).isFalse();
      assertThat(count(apply(db, 5, itemRead("r", 3, 13, "SELECT count(*) FROM t")).get(0))).isEqualTo(2);
    }
  }

  /**
   * A follower's answers reach no writer, so it does not run reads; what Ratis keeps of its answer
   * for a repeated client call is a retryable error, never an empty read. Its state is the leader's.
   */
  @Test
  void aReplicaThatDoesNotAnswerSkipsTheReadWithARetryableErrorAndEndsInTheSameState() throws Exception {
    try (ShardDatabase leader = ShardDatabase.open(dir.resolve("leader.db"));
        ShardDatabase follower = ShardDatabase.open(dir.resolve("follower.db"))) {
      List<ByteString> log = List.of(
          write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"),
          items(itemWrite("w1", 0, 5, "INSERT INTO t VALUES (1)"), itemRead("r1", 0, 6, "SELECT count(*) FROM t"),
              itemWrite("w2", 0, 7, "INSERT INTO t VALUES (2)")));
      List<ShardResult> led = null;
      List<ShardResult> followed = null;
      for (int i = 0; i < log.size(); i++) {
        var a = ShardResults.parseFrom(leader.applyEntry(1, i + 1, log.get(i), true));
        var b = ShardResults.parseFrom(follower.applyEntry(1, i + 1, log.get(i), false));
        led = a.getItemResultsList();
        followed = b.getItemResultsList();
      }
      assertThat(count(led.get(1))).isEqualTo(1);
      assertThat(followed.get(1).getError().getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(followed.get(1).getError().getRetryable()).isTrue();
      assertThat(followed.get(1).getResultsCount()).isZero();
      assertThat(followed.get(0).hasError()).isFalse();
      assertThat(followed.get(2).hasError()).isFalse();
      assertThat(follower.dump(true).text()).isEqualTo(leader.dump(true).text());
      assertThat(follower.meta()).isEqualTo(leader.meta());
    }
  }

  @Test
  void aReadWaitsForEveryUnresolvedPartStoredOrSpeculative() throws Exception {
    try (ShardDatabase db = ShardDatabase.open(dir.resolve("s.db"))) {
      db.apply(1, 1, write("schema", 0, 0, "CREATE TABLE t(x INTEGER PRIMARY KEY)"));
      db.apply(1, 2, prepare("m1", 0, 5, "INSERT INTO t VALUES (1)"));
      ShardResult r = apply(db, 3, itemRead("r1", 0, 6, "SELECT count(*) FROM t")).get(0);
      assertThat(r.getError().getCode()).isEqualTo(ErrorCode.PART_IN_DOUBT);
      assertThat(r.getError().getMessage()).contains("m1");
      assertThat(r.getError().getRetryable()).isTrue();
      db.apply(1, 4, resolve("m1", true, 0));
      db.apply(1, 5, speculative("m2", 0, 7, "INSERT INTO t VALUES (2)"));
      r = apply(db, 6, itemRead("r1", 0, 8, "SELECT count(*) FROM t")).get(0);
      assertThat(r.getError().getCode()).isEqualTo(ErrorCode.PART_IN_DOUBT);
      assertThat(r.getError().getMessage()).contains("m2");
      db.apply(1, 7, resolve("m2", true, 0));
      assertThat(count(apply(db, 8, itemRead("r1", 0, 8, "SELECT count(*) FROM t")).get(0))).isEqualTo(2);
    }
  }
}
