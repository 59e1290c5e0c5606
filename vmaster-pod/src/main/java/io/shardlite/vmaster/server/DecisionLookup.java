package io.shardlite.vmaster.server;

import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.Decision;
import io.shardlite.proto.Outcome;

/** What the sequencer decided for a multi-shard transaction, as lanes and coordinators need it. */
final class DecisionLookup {
  private DecisionLookup() {}

  /**
   * The recorded decision; for an undecided transaction, ABORT recorded first when {@code
   * abortIfUndecided} (the first decision wins, so the answer may still be COMMIT), else null; for
   * one the sequencer does not know (never sequenced, or forgotten past its window) an ABORT at
   * LSN 0, recorded nowhere.
   *
   * @throws io.shardlite.common.error.ShardliteException when the sequencer cannot answer
   */
  static Decision of(SequencerClient sequencer, String txId, boolean abortIfUndecided) {
    var known = sequencer.getDecision(txId);
    switch (known.getState()) {
      case TX_DECIDED:
        return known.getDecision();
      case TX_UNDECIDED:
        return abortIfUndecided ? sequencer.decide(txId, Outcome.ABORT, known.getLsn()).getDecision() : null;
      default:
        return Decision.newBuilder().setTxId(txId).setOutcome(Outcome.ABORT).build();
    }
  }
}
