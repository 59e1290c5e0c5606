package io.shardlite.sequencer.state;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GetDecisionReply;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.TxState;
import java.util.ArrayList;
import java.util.List;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * The multi-shard transactions the sequencer tracks: undecided ones (from their {@code AssignLsns}
 * until a decision) and decided ones (kept for a window of LSNs). The first decision wins.
 *
 * @param undecided by transaction id
 * @param decided by transaction id
 * @param decidedByLsn transaction ids of {@code decided} by LSN, for pruning
 */
public record Decisions(
    PSortedMap<String, PendingTx> undecided,
    PMap<String, Decision> decided,
    PSortedMap<Long, String> decidedByLsn) {

  /** The result of a decide: the recorded decision and whether this request recorded it. */
  public record Decided(Decisions decisions, Decision decision, boolean won) {}

  /** The result of aborting expired transactions. */
  public record Expired(Decisions decisions, List<Decision> aborted) {}

  public static Decisions empty() {
    return new Decisions(TreePMap.empty(), HashTreePMap.empty(), TreePMap.empty());
  }

  /** True if {@code txId} is undecided or decided (within the window). */
  public boolean knows(String txId) {
    return undecided.containsKey(txId) || decided.containsKey(txId);
  }

  Decisions begin(List<PendingTx> txs) {
    PSortedMap<String, PendingTx> pending = undecided;
    for (PendingTx tx : txs) {
      pending = pending.plus(tx.txId(), tx);
    }
    return new Decisions(pending, decided, decidedByLsn);
  }

  /**
   * Records {@code outcome} for {@code txId} unless a decision exists (then returns that one).
   *
   * @throws ShardliteException for an unknown transaction, or a COMMIT whose LSN is not the one
   *     the transaction was given
   */
  Decided decide(String txId, Outcome outcome, long lsn, long nowMillis) {
    Decision existing = decided.get(txId);
    if (existing != null) {
      return new Decided(this, existing, false);
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
    Decision decision = new Decision(txId, outcome, pending.lsn(), nowMillis);
    return new Decided(withDecision(decision), decision, true);
  }

  /** Aborts the undecided transactions that started at or before {@code nowMillis - timeout}. */
  Expired abortExpired(long nowMillis, long timeoutMillis) {
    Decisions next = this;
    List<Decision> aborted = new ArrayList<>();
    for (PendingTx tx : undecided.values()) {
      if (nowMillis - tx.startMillis() >= timeoutMillis) {
        Decision decision = new Decision(tx.txId(), Outcome.ABORT, tx.lsn(), nowMillis);
        next = next.withDecision(decision);
        aborted.add(decision);
      }
    }
    return new Expired(next, List.copyOf(aborted));
  }

  /** Forgets the decisions whose LSN is below {@code minLsn}; undecided ones are kept. */
  Decisions pruneBelow(long minLsn) {
    PMap<String, Decision> kept = decided;
    PSortedMap<Long, String> index = decidedByLsn;
    while (!index.isEmpty() && index.firstKey() < minLsn) {
      kept = kept.minus(index.firstEntry().getValue());
      index = index.minusFirstEntry();
    }
    return index == decidedByLsn ? this : new Decisions(undecided, kept, index);
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

  /** The decisions, by LSN (the snapshot order). */
  public List<Decision> decidedByLsnOrder() {
    List<Decision> list = new ArrayList<>(decidedByLsn.size());
    for (String txId : decidedByLsn.values()) {
      list.add(decided.get(txId));
    }
    return list;
  }

  Decisions withDecision(Decision decision) {
    return new Decisions(
        undecided.minus(decision.txId()),
        decided.plus(decision.txId(), decision),
        decidedByLsn.plus(decision.lsn(), decision.txId()));
  }
}
