package io.shardlite.sequencer.state;

/**
 * A sequenced multi-shard transaction without a decision yet.
 *
 * @param commitAfter a COMMIT asked for, waiting for these transactions to commit (empty: none asked)
 */
public record PendingTx(String txId, long lsn, long startMillis, java.util.List<String> commitAfter) {
  public PendingTx {
    commitAfter = java.util.List.copyOf(commitAfter);
  }

  public PendingTx(String txId, long lsn, long startMillis) {
    this(txId, lsn, startMillis, java.util.List.of());
  }
}
