package io.shardlite.sequencer.state;

/**
 * The fixed settings of a sequencer group. Part of the replicated state (and of its snapshots), so
 * every replica applies commands with the same limits.
 *
 * @param shards shard ids are {@code 0 .. shards-1}
 * @param maxBatchTxs most transactions in one {@code AssignLsns}
 * @param txTimeoutMillis an undecided multi-shard transaction this old can be aborted
 * @param replyWindowLsns a reply is kept for retries until this many later LSNs were assigned
 * @param decisionWindowLsns a decision is kept until this many later LSNs were assigned
 */
public record SequencerConfig(
    int shards, int maxBatchTxs, long txTimeoutMillis, long replyWindowLsns, long decisionWindowLsns) {

  public SequencerConfig {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    if (maxBatchTxs < 1) {
      throw new IllegalArgumentException("maxBatchTxs must be >= 1, got " + maxBatchTxs);
    }
    if (txTimeoutMillis < 1 || replyWindowLsns < 1 || decisionWindowLsns < 1) {
      throw new IllegalArgumentException("timeouts and windows must be >= 1: " + txTimeoutMillis
          + ", " + replyWindowLsns + ", " + decisionWindowLsns);
    }
  }

  /** Defaults for {@code shards} shards: 4096 transactions per batch, 30 s timeout, 1M LSN windows. */
  public static SequencerConfig defaults(int shards) {
    return new SequencerConfig(shards, 4096, 30_000, 1_000_000, 1_000_000);
  }
}
