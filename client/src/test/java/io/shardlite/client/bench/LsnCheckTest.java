package io.shardlite.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LsnCheckTest {

  /** A tiny correct sequencer: global counter, per-shard last LSN. */
  private static final class Fake {
    long next = 1;
    final long[] last = new long[16];

    AssignLsnsReply assign(String id, List<TxRequest> txs) {
      AssignLsnsReply.Builder r = AssignLsnsReply.newBuilder().setRequestId(id);
      for (TxRequest t : txs) {
        long lsn = next++;
        TxLsn.Builder b = TxLsn.newBuilder().setTxId(t.getTxId()).setLsn(lsn);
        for (int s : t.getShardsList()) {
          b.addPrev(ShardPrev.newBuilder().setShard(s).setPrevLsn(last[s]));
          last[s] = lsn;
        }
        r.addTxs(b);
      }
      return r.build();
    }
  }

  private static List<TxRequest> txs(String prefix, int... shards) {
    List<TxRequest> l = new ArrayList<>();
    for (int i = 0; i < shards.length; i++) {
      l.add(TxRequest.newBuilder().setTxId(prefix + "-" + i).addShards(shards[i]).build());
    }
    return l;
  }

  @Test
  void interleavedStreamsOfACorrectSequencerPassAcrossPoints() {
    Fake seq = new Fake();
    LsnCheck.Ledger ledger = new LsnCheck.Ledger(16, true);
    SplittableRandom random = new SplittableRandom(7);
    for (int point = 0; point < 3; point++) {
      List<LsnCheck.Stream> streams = List.of(new LsnCheck.Stream("a"), new LsnCheck.Stream("b"), new LsnCheck.Stream("c"));
      long[] requestNo = new long[3];
      for (int req = 0; req < 300; req++) {
        int s = random.nextInt(3);
        List<TxRequest> sent = SequencerLoad.transactions(random, "p" + point + "r" + req,
            new SequencerLoad.Shape(16, 1 + random.nextInt(20), 3, 8, 0.2));
        streams.get(s).accept(requestNo[s]++, sent, seq.assign("r" + req, sent));
      }
      LsnCheck.Violations v = ledger.verify(streams);
      assertThat(v.wrong()).isZero();
      assertThat(v.unseen()).isZero();
      assertThat(v.samples()).isEmpty();
    }
    assertThat(ledger.seen()).isEqualTo(seq.next - 1);
    assertThat(ledger.lastLsn()).isEqualTo(seq.next - 1);
  }

  @Test
  void repliesHandedOverOutOfOrderAreCheckedInRequestOrder() {
    Fake seq = new Fake();
    LsnCheck.Stream s = new LsnCheck.Stream("s");
    List<TxRequest> a = txs("a", 1, 2);
    List<TxRequest> b = txs("b", 3);
    List<TxRequest> c = txs("c", 1);
    AssignLsnsReply ra = seq.assign("1", a);
    AssignLsnsReply rb = seq.assign("2", b);
    AssignLsnsReply rc = seq.assign("3", c);
    s.accept(2, c, rc);
    s.accept(1, b, rb);
    assertThat(s.waiting()).isEqualTo(2);
    s.accept(0, a, ra);
    assertThat(s.waiting()).isZero();
    LsnCheck.Violations v = new LsnCheck.Ledger(16, true).verify(List.of(s));
    assertThat(v.wrong()).isZero();
  }

  @Test
  void aFailedRequestIsSkippedAndItsLsnsCountAsUnseenNotWrong() {
    Fake seq = new Fake();
    LsnCheck.Stream s = new LsnCheck.Stream("s");
    List<TxRequest> a = txs("a", 1);
    s.accept(0, a, seq.assign("1", a));
    seq.assign("2", txs("lost", 1, 1)); // sequenced (LSNs 2, 3), but the client saw a timeout
    s.skip(1);
    // The next transaction on shard 1 names the unseen LSN 3 as its predecessor: explained by the gap.
    List<TxRequest> c = txs("c", 2, 1);
    s.accept(2, c, seq.assign("3", c));
    LsnCheck.Violations v = new LsnCheck.Ledger(16, true).verify(List.of(s));
    assertThat(v.unseen()).isEqualTo(2);
    assertThat(v.wrong()).isZero();
  }

  @Test
  void duplicateLsnsAcrossStreamsAreFound() {
    LsnCheck.Stream a = new LsnCheck.Stream("a");
    LsnCheck.Stream b = new LsnCheck.Stream("b");
    List<TxRequest> ta = txs("a", 1);
    List<TxRequest> tb = txs("b", 2);
    a.accept(0, ta, reply("1", tx("a-0", 5, 1, 0)));
    b.accept(0, tb, reply("1", tx("b-0", 5, 2, 0)));
    LsnCheck.Violations v = new LsnCheck.Ledger(16, true).verify(List.of(a, b));
    assertThat(v.duplicates()).isEqualTo(1);
    assertThat(v.samples()).anyMatch(s -> s.contains("LSN 5 handed out twice"));
  }

  @Test
  void aStreamGoingBackwardsOrNonContiguousRepliesAreFound() {
    LsnCheck.Stream s = new LsnCheck.Stream("s");
    s.accept(0, txs("a", 1, 2), reply("1", tx("a-0", 10, 1, 0), tx("a-1", 12, 2, 0)));
    s.accept(1, txs("b", 3), reply("2", tx("b-0", 9, 3, 0)));
    LsnCheck.Violations v = new LsnCheck.Ledger(16, false).verify(List.of(s));
    assertThat(v.notContiguous()).isEqualTo(1);
    assertThat(v.notIncreasing()).isEqualTo(1);
    assertThat(v.wrong()).isEqualTo(2);
  }

  @Test
  void aBrokenShardChainIsFound() {
    LsnCheck.Stream s = new LsnCheck.Stream("s");
    s.accept(0, txs("a", 4), reply("1", tx("a-0", 1, 4, 0)));
    s.accept(1, txs("b", 4), reply("2", tx("b-0", 2, 4, 0))); // must name 1
    LsnCheck.Violations v = new LsnCheck.Ledger(16, true).verify(List.of(s));
    assertThat(v.chainBreaks()).isEqualTo(1);
    assertThat(v.samples()).anyMatch(x -> x.contains("shard 4 names 0"));
  }

  @Test
  void aFreshLedgerRequiresZeroAsTheFirstPredecessorOnlyWhenFromStart() {
    LsnCheck.Stream s = new LsnCheck.Stream("s");
    s.accept(0, txs("a", 4), reply("1", tx("a-0", 100, 4, 42)));
    assertThat(new LsnCheck.Ledger(16, true).verify(List.of(s)).chainBreaks()).isEqualTo(1);
    LsnCheck.Stream t = new LsnCheck.Stream("t");
    t.accept(0, txs("a", 4), reply("1", tx("a-0", 100, 4, 42)));
    assertThat(new LsnCheck.Ledger(16, false).verify(List.of(t)).wrong()).isZero();
  }

  @Test
  void answersThatDoNotMatchTheRequestAreFound() {
    LsnCheck.Stream s = new LsnCheck.Stream("s");
    s.accept(0, txs("a", 1, 2), reply("1", tx("a-0", 1, 1, 0))); // one answer for two
    s.accept(1, txs("b", 3), reply("2", tx("other", 2, 3, 0))); // wrong id
    s.accept(2, txs("c", 3), reply("3", tx("c-0", 3, 5, 0))); // wrong shard
    LsnCheck.Violations v = new LsnCheck.Ledger(16, false).verify(List.of(s));
    assertThat(v.badReplies()).isEqualTo(3);
  }

  @Test
  void aMissingReplyIsReportedAtVerification() {
    LsnCheck.Stream s = new LsnCheck.Stream("s");
    s.accept(1, txs("b", 3), reply("2", tx("b-0", 2, 3, 0)));
    LsnCheck.Violations v = new LsnCheck.Ledger(16, false).verify(List.of(s));
    assertThat(v.badReplies()).isEqualTo(1);
    assertThat(v.samples()).anyMatch(x -> x.contains("request 0 unaccounted for"));
  }

  @Test
  void generatedTransactionsUseDistinctShardsInRange() {
    SplittableRandom random = new SplittableRandom(3);
    int multi = 0;
    for (int i = 0; i < 200; i++) {
      for (TxRequest t : SequencerLoad.transactions(random, "x" + i, new SequencerLoad.Shape(16, 50, 1, 1, 0.1))) {
        assertThat(t.getShardsList()).allMatch(s -> s >= 0 && s < 16).doesNotHaveDuplicates();
        multi += t.getShardsCount() == 2 ? 1 : 0;
      }
    }
    assertThat(multi).isBetween(800, 1200); // about 10% of 10,000
    assertThat(SequencerLoad.transactions(random, "y", new SequencerLoad.Shape(1, 5, 1, 1, 1.0)))
        .allMatch(t -> t.getShardsCount() == 1);
  }

  private static TxLsn tx(String id, long lsn, int shard, long prev) {
    return TxLsn.newBuilder().setTxId(id).setLsn(lsn).addPrev(ShardPrev.newBuilder().setShard(shard).setPrevLsn(prev))
        .build();
  }

  private static AssignLsnsReply reply(String id, TxLsn... txs) {
    return AssignLsnsReply.newBuilder().setRequestId(id).addAllTxs(List.of(txs)).build();
  }
}
