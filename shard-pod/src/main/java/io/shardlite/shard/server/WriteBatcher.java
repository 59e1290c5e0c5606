package io.shardlite.shard.server;

import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardResults;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroup;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Group commit for one shard: writes that arrive while earlier entries are in flight wait here and
 * go to the Raft log together as one {@link WriteGroup} entry (one Raft round trip, one fsync per
 * replica, one SQLite commit), each batch keeping its own outcome. At most {@code maxInFlight}
 * entries are outstanding, so under load batches grow instead of queues inside Ratis.
 *
 * <p>Order is kept: batches are proposed in arrival order through one ordered Raft client.
 */
final class WriteBatcher {
  private record Pending(WriteBatch batch, int bytes, CompletableFuture<ShardResult> result) {}

  private final int maxInFlight;
  private final int maxEntryBytes;
  private final Function<ShardEntry, CompletableFuture<com.google.protobuf.ByteString>> propose;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param propose sends one entry to the shard's group and completes with the state machine's
   *     reply bytes (a {@link ShardResult} for a single write, {@link ShardResults} for a group)
   */
  WriteBatcher(int maxInFlight, int maxEntryBytes,
      Function<ShardEntry, CompletableFuture<com.google.protobuf.ByteString>> propose) {
    this.maxInFlight = maxInFlight;
    this.maxEntryBytes = maxEntryBytes;
    this.propose = propose;
  }

  CompletableFuture<ShardResult> submit(WriteBatch batch) {
    CompletableFuture<ShardResult> result = new CompletableFuture<>();
    List<List<Pending>> ready;
    synchronized (this) {
      queue.add(new Pending(batch, batch.getSerializedSize(), result));
      ready = takeReady();
    }
    ready.forEach(this::send);
    return result;
  }

  /** Drains the queue into entries while the in-flight budget allows. Caller holds the lock. */
  private List<List<Pending>> takeReady() {
    List<List<Pending>> entries = new ArrayList<>();
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      List<Pending> entry = new ArrayList<>();
      int bytes = 0;
      while (!queue.isEmpty() && (entry.isEmpty() || bytes + queue.peek().bytes() <= maxEntryBytes)) {
        Pending p = queue.poll();
        bytes += p.bytes();
        entry.add(p);
      }
      inFlight++;
      entries.add(entry);
    }
    return entries;
  }

  private void send(List<Pending> entry) {
    ShardEntry body = entry.size() == 1
        ? ShardEntry.newBuilder().setWrite(entry.get(0).batch()).build()
        : ShardEntry.newBuilder().setGroup(WriteGroup.newBuilder()
            .addAllBatches(entry.stream().map(Pending::batch).toList())).build();
    CompletableFuture<com.google.protobuf.ByteString> sent;
    try {
      sent = propose.apply(body);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((reply, error) -> {
      try {
        complete(entry, reply, error);
      } finally {
        List<List<Pending>> next;
        synchronized (this) {
          inFlight--;
          next = takeReady();
        }
        next.forEach(this::send);
      }
    });
  }

  private static void complete(List<Pending> entry, com.google.protobuf.ByteString reply, Throwable error) {
    if (error != null) {
      entry.forEach(p -> p.result().completeExceptionally(error));
      return;
    }
    try {
      if (entry.size() == 1) {
        entry.get(0).result().complete(ShardResult.parseFrom(reply));
      } else {
        List<ShardResult> results = ShardResults.parseFrom(reply).getResultsList();
        for (int i = 0; i < entry.size(); i++) {
          entry.get(i).result().complete(results.get(i));
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException | IndexOutOfBoundsException e) {
      entry.forEach(p -> p.result().completeExceptionally(e));
    }
  }
}
