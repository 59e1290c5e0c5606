package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.client.CollectorRegistry;
import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the router answers before it contacts anything: validation, starting and draining. */
class RouterTest {
  private final ExecutorService blocking = Executors.newCachedThreadPool();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  // Nothing listens on these: a test that reached them would fail with UNAVAILABLE, not pass.
  private final ShardDirectory directory = new ShardDirectory(List.of("127.0.0.1:1"), Duration.ofMillis(200));
  private final SequencerClient sequencer = new SequencerClient(List.of("127.0.0.1:1"), Duration.ofMillis(200));
  private final VmMetrics metrics = new VmMetrics(new CollectorRegistry());
  private final Lanes lanes = new Lanes("vm-test", directory, sequencer, metrics, new EntryBudget(16, 1 << 20), 4,
      new Speculation(8, Speculation.DEFAULT_STACK_LIMIT), EntryPacing.OFF, CoordinatorProbe.NEVER);
  private final Router router = new Router("vm-test", 4, new OwnershipView(), lanes, directory, metrics, sequencer,
      blocking, timer, 1_000, 2_048, () -> "127.0.0.1:1");

  @AfterEach
  void close() {
    router.close();
    sequencer.close();
    directory.close();
    blocking.shutdownNow();
    timer.shutdownNow();
  }

  private ExecuteReply execute(ExecuteRequest request) throws Exception {
    return router.execute(request).get(5, TimeUnit.SECONDS);
  }

  private static ExecuteRequest tx(TxStatement... statements) {
    return ExecuteRequest.newBuilder().addAllStatements(List.of(statements)).build();
  }

  @Test
  void aVirtualMasterNotYetRegisteredRefusesEveryTransactionRetryably() throws Exception {
    // Before registering it has no LSN stream: a multi-shard transaction once failed here with an
    // internal error (a restarted virtual master reached by clients while it was starting).
    ExecuteRequest multiShard = tx(ShardliteClient.statement("a", "UPDATE t SET v = v - 1"),
        ShardliteClient.statement("b", "UPDATE t SET v = v + 1"), ShardliteClient.statement("c", "SELECT 1"));
    assertThat(multiShard.getStatementsList().stream().map(st -> ShardKeys.shardOf(st.getShardKey(), 4)).distinct())
        .hasSizeGreaterThan(1);
    for (ExecuteRequest request : List.of(multiShard, tx(ShardliteClient.statement("k", "SELECT 1")),
        multiShard.toBuilder().setForwarded(true).build())) {
      ExecuteReply refused = execute(request);
      assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(refused.getError().getRetryable()).isTrue();
      assertThat(refused.getError().getMessage()).contains("starting");
    }
  }

  @Test
  void badTransactionsAreRefusedWithTypedErrors() throws Exception {
    router.serve();
    assertThat(execute(ExecuteRequest.getDefaultInstance()).getError().getCode()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    assertThat(execute(tx(ShardliteClient.statement("k", "  "))).getError().getCode()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    assertThat(execute(tx(ShardliteClient.statement("k", "INSERT INTO t VALUES (?)", "x".repeat(4_000))))
        .getError().getCode()).isEqualTo(ErrorCode.BATCH_TOO_LARGE);
    assertThat(execute(tx(ShardliteClient.statement("k", "SELECT 1")).toBuilder().setShard(4).build())
        .getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_SHARD);
    assertThat(execute(tx(ShardliteClient.statement("k", "SELECT 1")).toBuilder().setTimeoutMillis(-1).build())
        .getError().getCode()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
  }

  @Test
  void aDrainingVirtualMasterRefusesNewClientTransactionsRetryablyButServesForwardedOnes() throws Exception {
    router.serve();
    router.drain();

    ExecuteReply refused = execute(tx(ShardliteClient.statement("k", "INSERT INTO t VALUES (1)")));
    assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(refused.getError().getRetryable()).isTrue();
    assertThat(refused.getError().getMessage()).contains("draining");

    // A forwarded transaction is not refused for draining (it fails here only because no owner is known).
    ExecuteReply forwarded = execute(tx(ShardliteClient.statement("k", "INSERT INTO t VALUES (1)")).toBuilder()
        .setForwarded(true).setTimeoutMillis(100).build());
    assertThat(forwarded.getError().getMessage()).doesNotContain("draining");
  }
}
