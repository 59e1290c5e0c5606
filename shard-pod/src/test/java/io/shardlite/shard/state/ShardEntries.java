package io.shardlite.shard.state;

import com.google.protobuf.ByteString;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.ClaimEpoch;
import io.shardlite.proto.GroupItem;
import io.shardlite.proto.PreparePart;
import io.shardlite.proto.ReadPart;
import io.shardlite.proto.ResolvePart;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroup;

/** Shard log entries for tests that apply them to a {@link ShardDatabase} without Raft. */
final class ShardEntries {
  private ShardEntries() {}

  /** A transaction with a fixed time and seed, so replays are byte-identical. */
  static WriteBatch batch(String txId, long epoch, long lsn, String... sql) {
    WriteBatch.Builder b = WriteBatch.newBuilder().setTxId(txId).setEpoch(epoch).setGlobalLsn(lsn)
        .setTimestampMillis(1_700_000_000_000L).setRandomSeed(42);
    for (String s : sql) {
      b.addStatements(Statements.of(s));
    }
    return b.build();
  }

  static ByteString write(String txId, long epoch, long lsn, String... sql) {
    return ShardEntry.newBuilder().setWrite(batch(txId, epoch, lsn, sql)).build().toByteString();
  }

  /** A stored (non-speculative) multi-shard part. */
  static ByteString prepare(String txId, long epoch, long lsn, String... sql) {
    return ShardEntry.newBuilder().setPrepare(PreparePart.newBuilder().setBatch(batch(txId, epoch, lsn, sql)))
        .build().toByteString();
  }

  static ByteString speculative(String txId, long epoch, long lsn, String... sql) {
    return ShardEntry.newBuilder().setPrepare(PreparePart.newBuilder().setBatch(batch(txId, epoch, lsn, sql))
        .setSpeculative(true)).build().toByteString();
  }

  static ResolvePart resolution(String txId, boolean commit, long epoch) {
    return ResolvePart.newBuilder().setTxId(txId).setCommit(commit).setEpoch(epoch).build();
  }

  static ByteString resolve(String txId, boolean commit, long epoch) {
    return ShardEntry.newBuilder().setResolve(resolution(txId, commit, epoch)).build().toByteString();
  }

  /** A write group in its general form: writes, prepares and resolutions applied in this order. */
  static ByteString items(GroupItem... items) {
    return ShardEntry.newBuilder().setGroup(WriteGroup.newBuilder().addAllItems(java.util.List.of(items)))
        .build().toByteString();
  }

  static GroupItem itemWrite(String txId, long epoch, long lsn, String... sql) {
    return GroupItem.newBuilder().setBatch(batch(txId, epoch, lsn, sql)).build();
  }

  static GroupItem itemSpeculative(String txId, long epoch, long lsn, String... sql) {
    return GroupItem.newBuilder().setPrepare(PreparePart.newBuilder().setBatch(batch(txId, epoch, lsn, sql))
        .setSpeculative(true)).build();
  }

  static GroupItem itemPrepare(String txId, long epoch, long lsn, String... sql) {
    return GroupItem.newBuilder().setPrepare(PreparePart.newBuilder().setBatch(batch(txId, epoch, lsn, sql))).build();
  }

  static GroupItem itemResolve(String txId, boolean commit, long epoch) {
    return GroupItem.newBuilder().setResolve(resolution(txId, commit, epoch)).build();
  }

  /** A read-only multi-shard part, read at its place in the entry. */
  static GroupItem itemRead(String txId, long epoch, long lsn, String... sql) {
    return GroupItem.newBuilder().setRead(ReadPart.newBuilder().setBatch(batch(txId, epoch, lsn, sql))).build();
  }

  static ByteString claim(long epoch) {
    return ShardEntry.newBuilder().setClaim(ClaimEpoch.newBuilder().setEpoch(epoch).setOwner("o")).build().toByteString();
  }
}
