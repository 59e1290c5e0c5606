package io.shardlite.sequencer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.sequencer.LsnStream;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * LSNs under load from several pipelined streams, across a {@code kill -9} of the leader: unique,
 * gap-free, increasing per stream, per-shard chains intact; the killed replica comes back from
 * its snapshot plus log; the whole group restarts with counters and reply cache intact.
 */
class SequencerFailoverIT {
  private static final int SHARDS = 16;
  private static final int STREAMS = 4;
  private static final int REQUESTS_PER_STREAM = 400;
  private static final int TXS_PER_REQUEST = 8;
  private static final Duration BUDGET = Duration.ofSeconds(90);

  @Test
  void lsnsStayUniqueGapFreeAndOrderedAcrossALeaderKillAndRestarts() throws Exception {
    // Requests share log entries (group commit), so 1,600 of them fill only tens of entries: a low
    // threshold makes sure the killed replica has a snapshot to restart from.
    try (LocalSequencerCluster cluster = new LocalSequencerCluster(SequencerProbe.clusterDir("seq-failover"), 3,
            SHARDS, List.of("--snapshot-threshold", "20"), SequencerProbe.jvmOptions()).start();
        SequencerClient client = new SequencerClient(cluster.endpoints(), Duration.ofSeconds(30))) {
      for (int s = 0; s < STREAMS; s++) {
        client.register("vm-" + s, "127.0.0.1:" + (9000 + s), Duration.ofSeconds(60));
      }
      AtomicInteger answered = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(STREAMS);
      List<Future<List<AssignLsnsReply>>> streams = new ArrayList<>();
      for (int s = 0; s < STREAMS; s++) {
        int stream = s;
        streams.add(pool.submit(() -> runStream(client, stream, answered)));
      }

      await().atMost(BUDGET).until(() -> answered.get() >= STREAMS * REQUESTS_PER_STREAM / 4);
      LocalSequencerCluster.Replica leader = await().atMost(BUDGET)
          .until(() -> SequencerProbe.leader(cluster), java.util.Optional::isPresent).orElseThrow();
      cluster.kill9(leader.id());

      List<List<AssignLsnsReply>> replies = new ArrayList<>();
      for (Future<List<AssignLsnsReply>> f : streams) {
        replies.add(f.get(BUDGET.toSeconds(), TimeUnit.SECONDS));
      }
      pool.shutdown();
      long lastLsn = verify(replies);
      assertThat(lastLsn).isEqualTo((long) STREAMS * REQUESTS_PER_STREAM * TXS_PER_REQUEST);

      // The killed replica restarts from its own snapshot plus log and catches up.
      cluster.restart(leader.id());
      assertThat(Files.readString(leader.logFile())).contains("restored from snapshot");
      await().atMost(BUDGET).untilAsserted(() -> assertThat(
          SequencerProbe.metric(leader, "shardlite_sequencer_next_lsn")).contains((double) lastLsn + 1));

      // A full restart keeps the counters and the reply cache: a retry of the last request of
      // stream 0 gets its recorded answer, and new requests continue after the last LSN.
      for (LocalSequencerCluster.Replica r : cluster.replicas()) {
        cluster.stop(r.id());
      }
      for (LocalSequencerCluster.Replica r : cluster.replicas()) {
        cluster.restart(r.id());
      }
      try (LsnStream retry = client.openLsnStream("vm-0", "vm-0-stream", 8)) {
        for (int i = 0; i < REQUESTS_PER_STREAM - 1; i++) {
          // Request ids are counted per stream: these are resends of stream 0's requests.
          retry.assign(request(0, i));
        }
        AssignLsnsReply again = retry.assign(request(0, REQUESTS_PER_STREAM - 1)).get(60, TimeUnit.SECONDS);
        assertThat(again).isEqualTo(replies.get(0).get(REQUESTS_PER_STREAM - 1));
        AssignLsnsReply fresh = retry.assign(request(0, REQUESTS_PER_STREAM)).get(60, TimeUnit.SECONDS);
        assertThat(fresh.getTxs(0).getLsn()).isEqualTo(lastLsn + 1);
      }
    }
  }

  private static List<AssignLsnsReply> runStream(SequencerClient client, int stream, AtomicInteger answered)
      throws Exception {
    List<CompletableFuture<AssignLsnsReply>> futures = new ArrayList<>();
    try (LsnStream lsns = client.openLsnStream("vm-" + stream, "vm-" + stream + "-stream", 32)) {
      for (int i = 0; i < REQUESTS_PER_STREAM; i++) {
        futures.add(lsns.assign(request(stream, i)).whenComplete((r, e) -> answered.incrementAndGet()));
      }
      List<AssignLsnsReply> replies = new ArrayList<>();
      for (CompletableFuture<AssignLsnsReply> f : futures) {
        replies.add(f.get(BUDGET.toSeconds(), TimeUnit.SECONDS));
      }
      return replies;
    }
  }

  /** The same transactions for the same (stream, index), so a resend is a true retry. */
  private static List<TxRequest> request(int stream, int index) {
    Random random = new Random(stream * 1_000_003L + index);
    List<TxRequest> txs = new ArrayList<>();
    for (int j = 0; j < TXS_PER_REQUEST; j++) {
      TxRequest.Builder tx = TxRequest.newBuilder().setTxId("tx-" + stream + "-" + index + "-" + j);
      int first = random.nextInt(SHARDS);
      tx.addShards(first);
      if (random.nextInt(8) == 0) {
        tx.addShards((first + 1 + random.nextInt(SHARDS - 1)) % SHARDS);
      }
      txs.add(tx.build());
    }
    return txs;
  }

  /** Checks uniqueness, gaps, per-stream order and per-shard chains; returns the last LSN. */
  private static long verify(List<List<AssignLsnsReply>> streams) {
    TreeMap<Long, TxLsn> byLsn = new TreeMap<>();
    for (List<AssignLsnsReply> stream : streams) {
      long previous = 0;
      for (AssignLsnsReply reply : stream) {
        assertThat(reply.hasError()).as("error %s", reply.getError()).isFalse();
        for (TxLsn tx : reply.getTxsList()) {
          assertThat(tx.getLsn()).as("LSNs of a stream increase in request order").isGreaterThan(previous);
          previous = tx.getLsn();
          assertThat(byLsn.put(tx.getLsn(), tx)).as("LSN %d assigned twice", tx.getLsn()).isNull();
        }
      }
    }
    assertThat(byLsn.firstKey()).isEqualTo(1L);
    assertThat(byLsn.lastKey()).as("no gaps").isEqualTo((long) byLsn.size());
    Map<Integer, Long> last = new HashMap<>();
    for (TxLsn tx : byLsn.values()) {
      for (ShardPrev prev : tx.getPrevList()) {
        assertThat(prev.getPrevLsn()).as("chain of shard %d at LSN %d", prev.getShard(), tx.getLsn())
            .isEqualTo(last.getOrDefault(prev.getShard(), 0L));
        last.put(prev.getShard(), tx.getLsn());
      }
    }
    return byLsn.lastKey();
  }
}
