package io.shardlite.shard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardResults;
import io.shardlite.proto.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Group commit without Raft: a fake group that completes entries when the test says so. */
class WriteBatcherTest {
  private final List<ShardEntry> proposed = new ArrayList<>();
  private final List<CompletableFuture<ByteString>> replies = new ArrayList<>();

  private CompletableFuture<ByteString> propose(ShardEntry e) {
    proposed.add(e);
    CompletableFuture<ByteString> f = new CompletableFuture<>();
    replies.add(f);
    return f;
  }

  private static WriteBatch batch(String tx) {
    return WriteBatch.newBuilder().setTxId(tx).addStatements(Statements.of("INSERT INTO t VALUES (?)", tx)).build();
  }

  /** The reply a shard gives: each batch's tx id echoed as the applied index marker. */
  private static ByteString answer(ShardEntry e) {
    if (e.hasWrite()) {
      return ShardResult.newBuilder().setAppliedIndex(Long.parseLong(e.getWrite().getTxId())).build().toByteString();
    }
    ShardResults.Builder r = ShardResults.newBuilder();
    e.getGroup().getBatchesList().forEach(b -> r.addResults(ShardResult.newBuilder().setAppliedIndex(Long.parseLong(b.getTxId()))));
    return r.build().toByteString();
  }

  @Test
  void writesArrivingWhileEntriesAreInFlightShareTheNextEntryInOrder() throws Exception {
    WriteBatcher batcher = new WriteBatcher(1, 1 << 20, this::propose);
    List<CompletableFuture<ShardResult>> results = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      results.add(batcher.submit(batch(Integer.toString(i))));
    }
    assertThat(proposed).hasSize(1);
    assertThat(proposed.get(0).getWrite().getTxId()).isEqualTo("1");
    replies.get(0).complete(answer(proposed.get(0)));
    assertThat(proposed).hasSize(2);
    assertThat(proposed.get(1).getGroup().getBatchesList()).extracting(WriteBatch::getTxId)
        .containsExactly("2", "3", "4", "5");
    replies.get(1).complete(answer(proposed.get(1)));
    for (int i = 0; i < 5; i++) {
      assertThat(results.get(i).get().getAppliedIndex()).isEqualTo(i + 1);
    }
  }

  @Test
  void entriesStayUnderTheByteLimitAndTheInFlightBudget() {
    WriteBatch one = batch("1");
    WriteBatcher batcher = new WriteBatcher(2, one.getSerializedSize() * 2, this::propose);
    for (int i = 1; i <= 7; i++) {
      batcher.submit(batch(Integer.toString(i)));
    }
    assertThat(proposed).hasSize(2);
    replies.get(0).complete(answer(proposed.get(0)));
    replies.get(1).complete(answer(proposed.get(1)));
    assertThat(proposed).hasSize(4);
    assertThat(proposed.subList(2, 4)).allMatch(e -> e.hasGroup() && e.getGroup().getBatchesCount() == 2);
  }

  @Test
  void aFailedEntryFailsEveryBatchInItAndTheNextEntryStillGoes() {
    WriteBatcher batcher = new WriteBatcher(1, 1 << 20, this::propose);
    CompletableFuture<ShardResult> first = batcher.submit(batch("1"));
    CompletableFuture<ShardResult> second = batcher.submit(batch("2"));
    CompletableFuture<ShardResult> third = batcher.submit(batch("3"));
    replies.get(0).completeExceptionally(new IllegalStateException("group unavailable"));
    assertThat(first).isCompletedExceptionally();
    assertThat(proposed).hasSize(2);
    replies.get(1).complete(answer(proposed.get(1)));
    assertThat(second).isCompleted();
    assertThat(third).isCompleted();
    try {
      first.get();
    } catch (InterruptedException | ExecutionException e) {
      assertThat(e.getCause()).hasMessageContaining("group unavailable");
    }
  }
}
