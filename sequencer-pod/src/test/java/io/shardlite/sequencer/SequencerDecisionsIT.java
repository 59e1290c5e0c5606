package io.shardlite.sequencer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.sequencer.LsnStream;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.DecideReply;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.TxRequest;
import io.shardlite.proto.TxState;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Multi-shard decisions and bad input against a real 3-replica group. */
class SequencerDecisionsIT {
  private static final int SHARDS = 8;
  private static final Duration BUDGET = Duration.ofSeconds(60);
  private static LocalSequencerCluster cluster;
  private static SequencerClient client;

  @BeforeAll
  static void start() throws Exception {
    cluster = new LocalSequencerCluster(SequencerProbe.clusterDir("seq-decisions"), 3, SHARDS,
        List.of("--tick-ms", "200", "--tx-timeout-ms", "1500", "--max-batch-txs", "64"),
        SequencerProbe.jvmOptions()).start();
    client = new SequencerClient(cluster.endpoints(), Duration.ofSeconds(20));
    client.register("vm-d", "127.0.0.1:1", Duration.ofSeconds(120));
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void concurrentCommitAndAbortDecisionsHaveExactlyOneWinnerEverywhere() throws Exception {
    long lsn;
    try (LsnStream lsns = client.openLsnStream("vm-d", "vm-d-race", 4)) {
      lsn = lsns.assign(List.of(TxRequest.newBuilder().setTxId("race").addShards(0).addShards(1).build()))
          .get(30, TimeUnit.SECONDS).getTxs(0).getLsn();
    }
    assertThat(client.getDecision("race").getState()).isEqualTo(TxState.TX_UNDECIDED);

    java.util.Map<String, double[]> counted = new java.util.HashMap<>();
    for (LocalSequencerCluster.Replica r : cluster.replicas()) {
      counted.put(r.id(), new double[] {decisions(r, Outcome.COMMIT), decisions(r, Outcome.ABORT)});
    }
    int deciders = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(deciders);
    List<Future<DecideReply>> replies = new ArrayList<>();
    for (int i = 0; i < deciders; i++) {
      Outcome outcome = i % 2 == 0 ? Outcome.COMMIT : Outcome.ABORT;
      replies.add(pool.submit(() -> {
        go.await();
        return client.decide("race", outcome, lsn);
      }));
    }
    go.countDown();
    List<DecideReply> decided = new ArrayList<>();
    for (Future<DecideReply> f : replies) {
      decided.add(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();

    Outcome winner = decided.get(0).getDecision().getOutcome();
    assertThat(decided).allSatisfy(r -> assertThat(r.getDecision().getOutcome()).isEqualTo(winner));
    assertThat(decided).filteredOn(DecideReply::getWon).hasSize(1);
    assertThat(client.getDecision("race").getDecision().getOutcome()).isEqualTo(winner);
    // Every replica applied exactly one decision for it, the same one.
    for (LocalSequencerCluster.Replica r : cluster.replicas()) {
      double[] was = counted.get(r.id());
      await().atMost(BUDGET).untilAsserted(() -> {
        assertThat(decisions(r, Outcome.COMMIT)).as("commits on %s", r.id())
            .isEqualTo(was[0] + (winner == Outcome.COMMIT ? 1 : 0));
        assertThat(decisions(r, Outcome.ABORT)).as("aborts on %s", r.id())
            .isEqualTo(was[1] + (winner == Outcome.ABORT ? 1 : 0));
      });
    }
  }

  @Test
  void aCoalescingStreamSharesRequestsAndGivesEachCallerItsOwnLsnsInCallOrder() throws Exception {
    int callers = 8;
    int callsEach = 40;
    LocalSequencerCluster.Replica leader = SequencerProbe.leader(cluster).orElseThrow();
    double batchesBefore = SequencerProbe.metric(leader, "shardlite_sequencer_batches_total").orElseThrow();
    List<List<AssignLsnsReply>> seen = new ArrayList<>();
    // One request on the wire at a time, at most 64 transactions each (the group's --max-batch-txs).
    try (LsnStream lsns = client.openLsnStream("vm-d", "vm-d-coalesce", 1024, 1, 64)) {
      ExecutorService pool = Executors.newFixedThreadPool(callers);
      List<Future<List<AssignLsnsReply>>> results = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        int caller = c;
        results.add(pool.submit(() -> {
          List<CompletableFuture<AssignLsnsReply>> mine = new ArrayList<>();
          for (int i = 0; i < callsEach; i++) {
            int size = 1 + (i % 3);
            List<TxRequest> txs = new ArrayList<>();
            for (int t = 0; t < size; t++) {
              txs.add(TxRequest.newBuilder().setTxId("co-" + caller + "-" + i + "-" + t).addShards((caller + t) % SHARDS)
                  .build());
            }
            mine.add(lsns.assign(txs));
          }
          List<AssignLsnsReply> replies = new ArrayList<>();
          for (CompletableFuture<AssignLsnsReply> f : mine) {
            replies.add(f.get(60, TimeUnit.SECONDS));
          }
          return replies;
        }));
      }
      for (Future<List<AssignLsnsReply>> f : results) {
        seen.add(f.get(90, TimeUnit.SECONDS));
      }
      pool.shutdownNow();
    }
    java.util.Set<Long> all = new java.util.HashSet<>();
    for (int c = 0; c < callers; c++) {
      long last = 0;
      for (int i = 0; i < callsEach; i++) {
        AssignLsnsReply r = seen.get(c).get(i);
        assertThat(r.getTxsCount()).as("caller %d call %d gets exactly its transactions", c, i).isEqualTo(1 + (i % 3));
        for (int t = 0; t < r.getTxsCount(); t++) {
          assertThat(r.getTxs(t).getTxId()).isEqualTo("co-" + c + "-" + i + "-" + t);
          assertThat(r.getTxs(t).getLsn()).as("LSNs increase in each caller's call order").isGreaterThan(last);
          last = r.getTxs(t).getLsn();
          assertThat(all.add(last)).as("LSN %d handed out once", last).isTrue();
        }
      }
    }
    int calls = callers * callsEach;
    double batches = SequencerProbe.metric(leader, "shardlite_sequencer_batches_total").orElseThrow() - batchesBefore;
    assertThat(batches).as("%d calls shared fewer sequencer requests", calls).isLessThan(calls);
  }

  private static double decisions(LocalSequencerCluster.Replica replica, Outcome outcome) {
    return SequencerProbe.metric(replica, "shardlite_sequencer_decisions_total{outcome=\"" + outcome.name() + "\",}")
        .orElse(0.0);
  }

  @Test
  void anUndecidedMultiShardTransactionIsAbortedAfterTheTimeout() throws Exception {
    try (LsnStream lsns = client.openLsnStream("vm-d", "vm-d-timeout", 4)) {
      lsns.assign(List.of(TxRequest.newBuilder().setTxId("orphan").addShards(2).addShards(3).build()))
          .get(30, TimeUnit.SECONDS);
    }
    await().atMost(BUDGET).untilAsserted(() -> {
      var decision = client.getDecision("orphan");
      assertThat(decision.getState()).isEqualTo(TxState.TX_DECIDED);
      assertThat(decision.getDecision().getOutcome()).isEqualTo(Outcome.ABORT);
    });
    // A late commit loses to the recorded abort.
    DecideReply late = client.decide("orphan", Outcome.COMMIT, client.getDecision("orphan").getLsn());
    assertThat(late.getWon()).isFalse();
    assertThat(late.getDecision().getOutcome()).isEqualTo(Outcome.ABORT);
  }

  @Test
  void badRequestsGetTypedErrorsAndChangeNothing() throws Exception {
    try (LsnStream lsns = client.openLsnStream("vm-d", "vm-d-bad", 8);
        LsnStream stranger = client.openLsnStream("vm-nobody", "vm-nobody", 8)) {
      long before = lsns.assign(List.of(tx("good-1", 0))).get(30, TimeUnit.SECONDS).getTxs(0).getLsn();

      assertError(lsns.assign(List.of(tx("bad-shard", SHARDS + 3))), ErrorCode.UNKNOWN_SHARD);
      assertError(lsns.assign(List.of(tx("negative-shard", -1))), ErrorCode.UNKNOWN_SHARD);
      assertError(lsns.assign(List.of()), ErrorCode.MALFORMED_REQUEST);
      assertError(lsns.assign(List.of(TxRequest.newBuilder().setTxId("no-shard").build())), ErrorCode.MALFORMED_REQUEST);
      assertError(lsns.assign(IntStream.range(0, 65).mapToObj(i -> tx("big-" + i, 0)).toList()),
          ErrorCode.BATCH_TOO_LARGE);
      assertError(stranger.assign(List.of(tx("stranger", 0))), ErrorCode.UNKNOWN_VM);
      assertThatThrownBy(() -> client.decide("never-sequenced", Outcome.COMMIT, 1))
          .isInstanceOfSatisfying(ShardliteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TRANSACTION));
      assertThat(client.getDecision("never-sequenced").getState()).isEqualTo(TxState.TX_UNKNOWN);

      // Nothing above consumed an LSN (other tests of this class run sequentially).
      AssignLsnsReply after = lsns.assign(List.of(tx("good-2", 0))).get(30, TimeUnit.SECONDS);
      assertThat(after.getTxs(0).getLsn()).isEqualTo(before + 1);
      assertThat(after.getTxs(0).getPrev(0).getPrevLsn()).isEqualTo(before);
    }
  }

  private static TxRequest tx(String id, int shard) {
    return TxRequest.newBuilder().setTxId(id).addShards(shard).build();
  }

  private static void assertError(CompletableFuture<AssignLsnsReply> reply, ErrorCode code) {
    assertThatThrownBy(() -> reply.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(ShardliteException.class, e -> assertThat(e.code()).isEqualTo(code));
  }
}
