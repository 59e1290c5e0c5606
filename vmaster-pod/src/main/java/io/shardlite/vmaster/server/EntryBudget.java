package io.shardlite.vmaster.server;

/**
 * What one shard log entry proposed by a lane may hold: at most {@code maxTxs} transactions and
 * {@code maxBytes} of statements (the shard servers refuse an entry above their
 * {@code --max-batch-bytes}, so a lane must never build one). An empty entry takes any single
 * transaction: the router has already refused transactions above the size limit.
 */
record EntryBudget(int maxTxs, long maxBytes) {
  /** Per-transaction overhead in an entry besides its statements (id, LSN, epoch, time, seed, framing). */
  static final int TX_OVERHEAD_BYTES = 96;

  EntryBudget {
    if (maxTxs < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("an entry budget needs at least one transaction and one byte, got "
          + maxTxs + " and " + maxBytes);
    }
  }

  /** Whether an entry holding {@code txs} transactions of {@code bytes} may also take {@code moreTxs} of {@code moreBytes}. */
  boolean fits(int txs, long bytes, int moreTxs, long moreBytes) {
    return txs == 0 || (txs + moreTxs <= maxTxs && bytes + moreBytes <= maxBytes);
  }
}
