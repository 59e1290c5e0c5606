package io.shardlite.vmaster.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the multi-shard parts of one shard go among its lane's own writes (pure bookkeeping: the
 * lane's worker thread only, no I/O).
 *
 * <p>The sequencer's chain orders a shard's transactions by LSN and names the multi-shard
 * predecessor of each one ({@code ShardPrev.prev_multi_tx_id}). The lane learns of a part either
 * from that name (on one of its own transactions, or on another part's prepare) or from the part's
 * prepare itself, and places everything in LSN order: its writes below a part, then the part
 * (prepared), nothing until the part is resolved, then what is above it. At most one part is
 * prepared on the shard at a time ({@link #held}).
 *
 * @param <C> the coordinator's calls (prepare, resolve) the parts carry
 */
final class PartOrder<C> {
  /** How many settled transaction ids are remembered (a late prepare of one is refused). */
  static final int SETTLED_MEMORY = 4096;

  /** A part known to this shard and not yet resolved here. */
  static final class Part<C> {
    final String txId;
    final long lsn;
    final long knownAtNanos;
    /** The coordinator's prepare, once it arrived. */
    C prepare;
    /** The shard's previous LSN before this part (from its prepare). */
    long prevLsn = -1;
    /** Prepared on the shard, from then on. */
    long preparedAtNanos;
    /** Resolve calls that arrived for it while it is prepared. */
    final List<C> resolutions = new ArrayList<>();
    /** When the lane last asked the sequencer (unprepared) or the coordinator (prepared) about it. */
    long lookedUpAtNanos;

    Part(String txId, long lsn, long knownAtNanos) {
      this.txId = txId;
      this.lsn = lsn;
      this.knownAtNanos = knownAtNanos;
    }
  }

  private final TreeMap<Long, Part<C>> pending = new TreeMap<>();
  private final Map<String, Part<C>> byTx = new HashMap<>();
  private final LinkedHashSet<String> settled = new LinkedHashSet<>();
  private Part<C> held;
  /** The highest LSN placed on the shard by this lane (or the shard's own LSN when the lane claimed it). */
  private long placedLsn;

  PartOrder(long placedLsn) {
    this.placedLsn = placedLsn;
  }

  long placedLsn() {
    return placedLsn;
  }

  /** The lane placed writes (or a part) up to {@code lsn}. */
  void placed(long lsn) {
    placedLsn = Math.max(placedLsn, lsn);
  }

  /**
   * A transaction's predecessor on this shard is the multi-shard transaction {@code txId} (empty:
   * a single-shard one, which is the lane's own or fenced): unless known, settled or already
   * below what is placed, its part must come first.
   */
  void predecessor(long lsn, String txId, long nowNanos) {
    if (txId.isEmpty() || lsn <= placedLsn || settled.contains(txId) || byTx.containsKey(txId)
        || (held != null && held.txId.equals(txId))) {
      return;
    }
    Part<C> part = new Part<>(txId, lsn, nowNanos);
    pending.put(lsn, part);
    byTx.put(txId, part);
  }

  /**
   * A part's prepare arrived. Null when it can no longer be placed: it was settled here before
   * (resolved before its prepare came), it is the held one, or something above its LSN is placed
   * already. Otherwise the part, now with its prepare, and its own predecessor is known.
   */
  Part<C> arrived(String txId, long lsn, C prepare, long prevLsn, String prevMultiTxId, long nowNanos) {
    if (settled.contains(txId) || (held != null && held.txId.equals(txId)) || lsn <= placedLsn) {
      return null;
    }
    Part<C> part = byTx.get(txId);
    if (part == null) {
      part = new Part<>(txId, lsn, nowNanos);
      pending.put(lsn, part);
      byTx.put(txId, part);
    } else if (part.prepare != null) {
      return null; // a second prepare of the same part: the first one stands
    }
    part.prepare = prepare;
    part.prevLsn = prevLsn;
    predecessor(prevLsn, prevMultiTxId, nowNanos);
    return part;
  }

  /** The lowest part not placed yet, or null. */
  Part<C> first() {
    var e = pending.firstEntry();
    return e == null ? null : e.getValue();
  }

  /**
   * Whether the part (its prepare arrived) is next after {@code lastLsn}, the highest LSN placed
   * or about to be: its predecessor on the shard is at or below it, so no write of the lane whose
   * LSN is still unknown can come between.
   */
  static boolean follows(Part<?> part, long lastLsn) {
    return part.prepare != null && part.prevLsn >= 0 && part.prevLsn <= lastLsn;
  }

  /** The prepared part waiting for its resolution, or null. */
  Part<C> held() {
    return held;
  }

  /** The part is prepared on the shard: it is held until {@link #settle}. */
  void prepared(Part<C> part, long nowNanos) {
    if (held != null) {
      throw new IllegalStateException("part of " + held.txId + " is still prepared; cannot prepare " + part.txId);
    }
    pending.remove(part.lsn);
    byTx.remove(part.txId);
    part.preparedAtNanos = nowNanos;
    held = part;
    placed(part.lsn);
  }

  /**
   * The part is prepared speculatively: placed, but not held (later writes and parts go on top of
   * it; the lane tracks it until {@link #settle}).
   */
  void placedSpeculative(Part<C> part, long nowNanos) {
    pending.remove(part.lsn);
    byTx.remove(part.txId);
    part.preparedAtNanos = nowNanos;
    placed(part.lsn);
  }

  /** The pending (unprepared) part of {@code txId}, or null. */
  Part<C> pendingPart(String txId) {
    return byTx.get(txId);
  }

  /** Done with {@code txId} here (resolved, or given up unprepared): forgets it, refuses it later. */
  void settle(String txId) {
    Part<C> part = byTx.remove(txId);
    if (part != null) {
      pending.remove(part.lsn);
    }
    if (held != null && held.txId.equals(txId)) {
      held = null;
    }
    settled.add(txId);
    if (settled.size() > SETTLED_MEMORY) {
      Iterator<String> oldest = settled.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  boolean isSettled(String txId) {
    return settled.contains(txId);
  }

  /** Every part not placed yet, lowest LSN first (to fail them when the lane stops). */
  List<Part<C>> pendingParts() {
    return new ArrayList<>(pending.values());
  }
}
