package io.shardlite.sequencer.state;

import io.shardlite.proto.Outcome;

/** The recorded outcome of a multi-shard transaction: COMMIT or ABORT, at its LSN. */
public record Decision(String txId, Outcome outcome, long lsn, long timeMillis) {

  public io.shardlite.proto.Decision toProto() {
    return io.shardlite.proto.Decision.newBuilder()
        .setTxId(txId).setOutcome(outcome).setLsn(lsn).setTimeMillis(timeMillis).build();
  }

  static Decision fromProto(io.shardlite.proto.Decision proto) {
    return new Decision(proto.getTxId(), proto.getOutcome(), proto.getLsn(), proto.getTimeMillis());
  }
}
