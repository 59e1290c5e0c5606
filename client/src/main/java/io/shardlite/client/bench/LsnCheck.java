package io.shardlite.client.bench;

import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Checks the sequencer's answers during {@code bench sequencer}. No I/O, no clocks.
 *
 * <p>Per stream, as replies arrive ({@link Stream#accept}): one answer per transaction sent, same
 * ids and shards in the same order, contiguous LSNs within a reply, and LSNs increasing across the
 * replies of the stream. Across streams, after each data point ({@link Ledger#verify}): every LSN
 * handed out once (no duplicates), no LSN unseen between the first and the last one (gap-free, as
 * long as this benchmark is the only client and no request failed), and each shard's chain intact
 * (a transaction's previous LSN for a shard is the last LSN seen on that shard).
 */
public final class LsnCheck {
  private LsnCheck() {}

  /** How many violation descriptions are kept (counts are always exact). */
  public static final int MAX_SAMPLES = 10;

  /** Counts of every kind of wrong answer, plus a few descriptions. */
  public static final class Violations {
    long badReplies;
    long notContiguous;
    long notIncreasing;
    long duplicates;
    long chainBreaks;
    long unseen;
    final List<String> samples = new ArrayList<>();

    void sample(String s) {
      synchronized (samples) {
        if (samples.size() < MAX_SAMPLES) {
          samples.add(s);
        }
      }
    }

    /** Wrong answers: everything except unseen LSNs (which failed requests can explain). */
    public long wrong() {
      return badReplies + notContiguous + notIncreasing + duplicates + chainBreaks;
    }

    public long badReplies() {
      return badReplies;
    }

    public long notContiguous() {
      return notContiguous;
    }

    public long notIncreasing() {
      return notIncreasing;
    }

    public long duplicates() {
      return duplicates;
    }

    public long chainBreaks() {
      return chainBreaks;
    }

    /** LSNs between the first and last seen that no reply carried. */
    public long unseen() {
      return unseen;
    }

    public List<String> samples() {
      synchronized (samples) {
        return List.copyOf(samples);
      }
    }

    void add(Violations o) {
      badReplies += o.badReplies;
      notContiguous += o.notContiguous;
      notIncreasing += o.notIncreasing;
      duplicates += o.duplicates;
      chainBreaks += o.chainBreaks;
      unseen += o.unseen;
      o.samples().forEach(this::sample);
    }
  }

  /** The answers of one LSN stream, in arrival (= request) order. Thread-safe. */
  public static final class Stream {
    private final String name;
    private final Violations violations = new Violations();
    private long lastLsn;
    // Per transaction: its LSN and where its shard entries start.
    private long[] txLsn = new long[1024];
    private int[] txFirst = new int[1024];
    private int txs;
    // Per (transaction, shard): shard id and the previous LSN the sequencer named.
    private int[] shard = new int[1024];
    private long[] prev = new long[1024];
    private int entries;

    // Replies may be handed over out of order (callbacks on different threads): checked in order.
    private final java.util.TreeMap<Long, Object[]> early = new java.util.TreeMap<>();
    private long next;

    public Stream(String name) {
      this.name = name;
    }

    /**
     * The reply to the stream's request number {@code seq} (0, 1, 2, ... in sending order): checked
     * once every earlier request is accounted for.
     */
    public synchronized void accept(long seq, List<TxRequest> sent, AssignLsnsReply reply) {
      early.put(seq, new Object[] {sent, reply});
      drain();
    }

    /** Request number {@code seq} failed (no reply to check). */
    public synchronized void skip(long seq) {
      early.put(seq, new Object[0]);
      drain();
    }

    @SuppressWarnings("unchecked")
    private void drain() {
      for (Object[] e = early.remove(next); e != null; e = early.remove(next)) {
        next++;
        if (e.length == 2) {
          check((List<TxRequest>) e[0], (AssignLsnsReply) e[1]);
        }
      }
    }

    /** Requests handed over but held back until an earlier one is accounted for. */
    public synchronized int waiting() {
      return early.size();
    }

    private void check(List<TxRequest> sent, AssignLsnsReply reply) {
      if (reply.getTxsCount() != sent.size()) {
        violations.badReplies++;
        violations.sample(name + ": request " + reply.getRequestId() + " sent " + sent.size() + " transactions, got "
            + reply.getTxsCount() + " LSNs");
        return;
      }
      for (int i = 0; i < sent.size(); i++) {
        TxLsn t = reply.getTxs(i);
        TxRequest s = sent.get(i);
        boolean shardsMatch = t.getPrevCount() == s.getShardsCount();
        for (int j = 0; shardsMatch && j < t.getPrevCount(); j++) {
          shardsMatch = t.getPrev(j).getShard() == s.getShards(j) && t.getPrev(j).getPrevLsn() < t.getLsn();
        }
        if (!t.getTxId().equals(s.getTxId()) || !shardsMatch) {
          violations.badReplies++;
          violations.sample(name + ": request " + reply.getRequestId() + " position " + i + " answered " + t.getTxId()
              + " (lsn " + t.getLsn() + ", prev " + prevs(t) + ") for " + s.getTxId() + " on shards " + s.getShardsList());
        }
      }
      long first = reply.getTxs(0).getLsn();
      if (first <= lastLsn) {
        violations.notIncreasing++;
        violations.sample(name + ": request " + reply.getRequestId() + " starts at LSN " + first
            + ", not above the stream's previous " + lastLsn);
      }
      for (int i = 1; i < reply.getTxsCount(); i++) {
        if (reply.getTxs(i).getLsn() != first + i) {
          violations.notContiguous++;
          violations.sample(name + ": request " + reply.getRequestId() + " LSN at position " + i + " is "
              + reply.getTxs(i).getLsn() + ", expected " + (first + i));
          break;
        }
      }
      for (TxLsn t : reply.getTxsList()) {
        lastLsn = Math.max(lastLsn, t.getLsn());
        if (txs == txLsn.length) {
          txLsn = Arrays.copyOf(txLsn, txs * 2);
          txFirst = Arrays.copyOf(txFirst, txs * 2);
        }
        txLsn[txs] = t.getLsn();
        txFirst[txs++] = entries;
        for (ShardPrev p : t.getPrevList()) {
          if (entries == shard.length) {
            shard = Arrays.copyOf(shard, entries * 2);
            prev = Arrays.copyOf(prev, entries * 2);
          }
          shard[entries] = p.getShard();
          prev[entries++] = p.getPrevLsn();
        }
      }
    }

    private static String prevs(TxLsn t) {
      StringBuilder sb = new StringBuilder("[");
      for (ShardPrev p : t.getPrevList()) {
        sb.append(sb.length() > 1 ? ", " : "").append(p.getShard()).append(':').append(p.getPrevLsn());
      }
      return sb.append(']').toString();
    }

    /** Transactions answered so far. */
    public synchronized int transactions() {
      return txs;
    }

    synchronized Violations violations() {
      if (!early.isEmpty()) {
        violations.badReplies += early.size();
        violations.sample(name + ": " + early.size() + " replies never checked: request " + next + " unaccounted for");
        early.clear();
      }
      return violations;
    }
  }

  /**
   * The cross-stream view, carried from one data point to the next: the highest LSN seen and
   * each shard's last LSN. Not thread-safe: call {@link #verify} once all streams are done.
   */
  public static final class Ledger {
    private final long[] lastByShard;
    private final boolean[] known;
    private long lastLsn = -1;
    private long seen;
    private final Violations total = new Violations();

    /**
     * @param fromStart true when the sequencer is fresh and this benchmark is its only client:
     *     then the first LSN on every shard must name 0 (none) as its predecessor
     */
    public Ledger(int shards, boolean fromStart) {
      lastByShard = new long[shards];
      known = new boolean[shards];
      Arrays.fill(known, fromStart);
    }

    /**
     * Merges the streams of one data point in LSN order and checks them (adds each stream's own
     * findings too). Returns this point's violations; {@link #total} accumulates them.
     */
    public Violations verify(List<Stream> streams) {
      Violations v = new Violations();
      for (Stream s : streams) {
        v.add(s.violations());
      }
      // Heads of each stream, smallest LSN first (each stream is increasing unless flagged above).
      PriorityQueue<int[]> heads = new PriorityQueue<>((a, b) -> Long.compare(
          streams.get(a[0]).txLsn[a[1]], streams.get(b[0]).txLsn[b[1]]));
      for (int i = 0; i < streams.size(); i++) {
        if (streams.get(i).txs > 0) {
          heads.add(new int[] {i, 0});
        }
      }
      while (!heads.isEmpty()) {
        int[] h = heads.poll();
        Stream s = streams.get(h[0]);
        int tx = h[1];
        long lsn = s.txLsn[tx];
        seen++;
        if (lastLsn >= 0 && lsn <= lastLsn) {
          if (lsn == lastLsn) {
            v.duplicates++;
            v.sample("LSN " + lsn + " handed out twice (again to " + s.name + ")");
          }
          // A smaller LSN here means the stream was not increasing: already counted.
        } else {
          if (lastLsn >= 0 && lsn > lastLsn + 1) {
            v.unseen += lsn - lastLsn - 1;
            if (v.unseen == lsn - lastLsn - 1) {
              v.sample("LSNs " + (lastLsn + 1) + ".." + (lsn - 1) + " were in no reply");
            }
          }
          int end = tx + 1 < s.txs ? s.txFirst[tx + 1] : s.entries;
          for (int e = s.txFirst[tx]; e < end; e++) {
            int shard = s.shard[e];
            if (shard < 0 || shard >= lastByShard.length) {
              v.badReplies++;
              v.sample("LSN " + lsn + " names unknown shard " + shard);
              continue;
            }
            // A predecessor above the last one seen is explained when LSNs went unseen (failed
            // requests); one below it means an LSN on the shard was left out of the chain.
            boolean explained = s.prev[e] > lastByShard[shard] && s.prev[e] < lsn && total.unseen + v.unseen > 0;
            if (known[shard] && s.prev[e] != lastByShard[shard] && !explained) {
              v.chainBreaks++;
              v.sample("LSN " + lsn + " on shard " + shard + " names " + s.prev[e] + " as the previous LSN, the last"
                  + " one seen on that shard was " + lastByShard[shard]);
            }
            lastByShard[shard] = lsn;
            known[shard] = true;
          }
          lastLsn = lsn;
        }
        if (tx + 1 < s.txs) {
          heads.add(new int[] {h[0], tx + 1});
        }
      }
      total.add(v);
      return v;
    }

    /** Everything found so far, over all data points. */
    public Violations total() {
      return total;
    }

    /** LSNs checked so far. */
    public long seen() {
      return seen;
    }

    public long lastLsn() {
      return lastLsn;
    }
  }
}
