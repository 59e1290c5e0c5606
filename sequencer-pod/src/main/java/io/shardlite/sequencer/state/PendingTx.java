package io.shardlite.sequencer.state;

/** A sequenced multi-shard transaction without a decision yet. */
public record PendingTx(String txId, long lsn, long startMillis) {}
