package io.shardlite.sequencer.state;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GetDecisionReply;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.TxState;
import java.util.ArrayList;
import java.util.List;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * The multi-shard transactions the sequencer tracks: undecided ones (from their {@code AssignLsns}
 * until a decision) and decided ones (kept for a window of LSNs). The first decision wins.
 *
 * @param undecided by transaction id
 * @param waiting the undecided ones whose COMMIT waits for others ({@link PendingTx#commitAfter}),
 *     by transaction id: the ones a decision may settle, so a decision looks at them only
 * @param decided by transaction id
 * @param decidedInOrder the decisions of {@code decided} in the order they were recorded, for
 *     pruning and snapshots
 */
public record Decisions(
    PSortedMap<String, PendingTx> undecided,
    PSortedMap<String, PendingTx> waiting,
    HashTrieMap<String, Decision> decided,
    PersistentQueue<Decision> decidedInOrder) {

  /**
   * The result of a decide: the recorded decision (null while a COMMIT waits for the
   * transactions it depends on), whether this request recorded it, and every decision recorded
   * by it (its own and those of transactions whose COMMIT waited for it).
   */
  public record Decided(Decisions decisions, Decision decision, boolean won, List<Decision> recorded) {}

  /** The result of aborting expired transactions: the aborted ones, and every decision recorded. */
  public record Expired(Decisions decisions, List<Decision> aborted, List<Decision> recorded) {}

  public static Decisions empty() {
    return new Decisions(TreePMap.empty(), TreePMap.empty(), HashTrieMap.empty(), PersistentQueue.empty());
  }

  /** True if {@code txId} is undecided or decided (within the window). */
  public boolean knows(String txId) {
    return undecided.containsKey(txId) || decided.containsKey(txId);
  }

  Decisions begin(List<PendingTx> txs) {
    Decisions next = this;
    for (PendingTx tx : txs) {
      next = next.withPending(tx);
    }
    return next;
  }

  /**
   * Records {@code outcome} for {@code txId} unless a decision exists (then returns that one).
   *
   * @throws ShardliteException for an unknown transaction, or a COMMIT whose LSN is not the one
   *     the transaction was given
   */
  Decided decide(String txId, Outcome outcome, long lsn, long nowMillis) {
    return decide(txId, outcome, lsn, List.of(), nowMillis);
  }

  /**
   * {@link #decide(String, Outcome, long, long)} for a transaction prepared on top of others
   * ({@code dependsOn}, speculative parts below its own): a COMMIT is recorded only once all of
   * them committed and becomes an ABORT as soon as one aborts (or is unknown, so cannot be shown
   * to have committed); until then the transaction stays undecided, waiting. Every decision
   * recorded settles the COMMITs that waited for it, transitively.
   */
  Decided decide(String txId, Outcome outcome, long lsn, List<String> dependsOn, long nowMillis) {
    Decision existing = decided.get(txId);
    if (existing != null) {
      return new Decided(this, existing, false, List.of());
    }
    PendingTx pending = undecided.get(txId);
    if (pending == null) {
      throw new ShardliteException(ErrorCode.UNKNOWN_TRANSACTION,
          "unknown transaction '" + txId + "': not sequenced as a multi-shard transaction, or decided "
              + "beyond the decision window");
    }
    if (outcome == Outcome.COMMIT && lsn != pending.lsn()) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST,
          "commit of '" + txId + "' names LSN " + lsn + " but it was sequenced at " + pending.lsn());
    }
    if (outcome == Outcome.COMMIT && !pending.commitAfter().isEmpty()) {
      return new Decided(this, null, false, List.of()); // already waiting (a retry)
    }
    Outcome recorded = outcome;
    if (outcome == Outcome.COMMIT) {
      List<String> waitFor = new ArrayList<>();
      for (String dep : dependsOn) {
        Decision d = decided.get(dep);
        if (dep.equals(txId) || (d != null && d.outcome() == Outcome.COMMIT)) {
          continue;
        }
        if (d == null && undecided.containsKey(dep)) {
          waitFor.add(dep);
        } else {
          recorded = Outcome.ABORT; // aborted, or unknown: its part (and ours above it) may be rolled back
          break;
        }
      }
      if (recorded == Outcome.COMMIT && !waitFor.isEmpty()) {
        return new Decided(withPending(new PendingTx(txId, pending.lsn(), pending.startMillis(), waitFor)), null, false,
            List.of());
      }
    }
    Decision decision = new Decision(txId, recorded, pending.lsn(), nowMillis);
    List<Decision> all = new ArrayList<>();
    return new Decided(record(decision, nowMillis, all), decision, true, List.copyOf(all));
  }

  /**
   * Records {@code decision}, then settles the COMMITs waiting for it (an abort aborts them, a
   * commit lets those with nothing else to wait for commit), transitively; adds every decision
   * recorded to {@code out}.
   */
  private Decisions record(Decision decision, long nowMillis, List<Decision> out) {
    Decisions next = withDecision(decision);
    out.add(decision);
    java.util.ArrayDeque<Decision> work = new java.util.ArrayDeque<>(List.of(decision));
    while (!work.isEmpty()) {
      Decision d = work.poll();
      List<PendingTx> waitedFor = new ArrayList<>();
      for (PendingTx tx : next.waiting.values()) {
        if (tx.commitAfter().contains(d.txId())) {
          waitedFor.add(tx);
        }
      }
      for (PendingTx tx : waitedFor) {
        List<String> rest = new ArrayList<>(tx.commitAfter());
        rest.remove(d.txId());
        if (d.outcome() == Outcome.COMMIT && !rest.isEmpty()) {
          next = next.withPending(new PendingTx(tx.txId(), tx.lsn(), tx.startMillis(), rest));
          continue;
        }
        Decision settled = new Decision(tx.txId(), d.outcome(), tx.lsn(), nowMillis);
        next = next.withDecision(settled);
        out.add(settled);
        work.add(settled);
      }
    }
    return next;
  }

  /** Aborts the undecided transactions that started at or before {@code nowMillis - timeout}. */
  Expired abortExpired(long nowMillis, long timeoutMillis) {
    Decisions next = this;
    List<Decision> aborted = new ArrayList<>();
    List<Decision> recorded = new ArrayList<>();
    for (PendingTx tx : undecided.values()) {
      if (nowMillis - tx.startMillis() >= timeoutMillis && !next.decided.containsKey(tx.txId())) {
        Decision decision = new Decision(tx.txId(), Outcome.ABORT, tx.lsn(), nowMillis);
        next = next.record(decision, nowMillis, recorded);
        aborted.add(decision);
      }
    }
    return new Expired(next, List.copyOf(aborted), List.copyOf(recorded));
  }

  /**
   * Forgets the oldest recorded decisions while their LSN is below {@code minLsn}; undecided ones
   * are kept. In recording order, not LSN order: a decision recorded before one of a lower LSN
   * keeps that one a little longer, never shorter, and a queue costs less than a sorted tree.
   */
  Decisions pruneBelow(long minLsn) {
    HashTrieMap<String, Decision> kept = decided;
    PersistentQueue<Decision> order = decidedInOrder;
    while (!order.isEmpty() && order.first().lsn() < minLsn) {
      kept = kept.minus(order.first().txId());
      order = order.minusFirst();
    }
    return order == decidedInOrder ? this : new Decisions(undecided, waiting, kept, order);
  }

  /** What the sequencer knows of {@code txId}. */
  public GetDecisionReply lookup(String txId) {
    GetDecisionReply.Builder reply = GetDecisionReply.newBuilder().setTxId(txId);
    Decision decision = decided.get(txId);
    PendingTx pending = undecided.get(txId);
    if (decision != null) {
      reply.setState(TxState.TX_DECIDED).setDecision(decision.toProto()).setLsn(decision.lsn());
    } else if (pending != null) {
      reply.setState(TxState.TX_UNDECIDED).setLsn(pending.lsn()).setStartMillis(pending.startMillis());
    } else {
      reply.setState(TxState.TX_UNKNOWN);
    }
    return reply.build();
  }

  /** The decisions in the order they were recorded (the snapshot order). */
  public List<Decision> decidedInOrderList() {
    return decidedInOrder.toList();
  }

  /** This with {@code tx} undecided (replacing an earlier version of it), waiting if it waits. */
  private Decisions withPending(PendingTx tx) {
    return new Decisions(undecided.plus(tx.txId(), tx),
        tx.commitAfter().isEmpty() ? waiting.minus(tx.txId()) : waiting.plus(tx.txId(), tx), decided, decidedInOrder);
  }

  Decisions withDecision(Decision decision) {
    return new Decisions(
        undecided.minus(decision.txId()),
        waiting.minus(decision.txId()),
        decided.plus(decision.txId(), decision),
        decidedInOrder.plus(decision));
  }
}
