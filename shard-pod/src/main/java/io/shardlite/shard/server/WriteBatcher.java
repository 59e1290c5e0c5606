package io.shardlite.shard.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.shardlite.common.batch.GroupCommitter;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardResults;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroup;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Group commit for one shard ({@link GroupCommitter}): writes that arrive while earlier entries are
 * in flight go to the Raft log together as one {@link WriteGroup} entry (one Raft round trip, one
 * fsync per replica, one SQLite commit), each batch keeping its own outcome.
 */
final class WriteBatcher {
  private final GroupCommitter<WriteBatch, ShardResult> committer;

  /**
   * @param propose sends one entry to the shard's group and completes with the state machine's
   *     reply bytes (a {@link ShardResult} for a single write, {@link ShardResults} for a group)
   */
  WriteBatcher(int maxInFlight, int maxEntryBytes, Function<ShardEntry, CompletableFuture<ByteString>> propose) {
    this.committer = new GroupCommitter<>(maxInFlight, maxEntryBytes, group -> {
      ShardEntry body = group.size() == 1
          ? ShardEntry.newBuilder().setWrite(group.get(0)).build()
          : ShardEntry.newBuilder().setGroup(WriteGroup.newBuilder().addAllBatches(group)).build();
      return propose.apply(body).thenApply(reply -> results(group.size(), reply));
    });
  }

  CompletableFuture<ShardResult> submit(WriteBatch batch) {
    return committer.submit(batch, batch.getSerializedSize());
  }

  private static List<ShardResult> results(int count, ByteString reply) {
    try {
      return count == 1 ? List.of(ShardResult.parseFrom(reply)) : ShardResults.parseFrom(reply).getResultsList();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("undecodable reply from the shard group: " + e.getMessage(), e);
    }
  }
}
