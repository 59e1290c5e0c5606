package io.shardlite.sequencer.state;

/**
 * The fixed settings of a sequencer group. Part of the replicated state (and of its snapshots), so
 * every replica applies commands with the same limits.
 *
 * @param shards shard ids are {@code 0 .. shards-1}
 * @param maxBatchTxs most transactions in one {@code AssignLsns}
 * @param txTimeoutMillis an undecided multi-shard transaction this old can be aborted
 * @param repliesPerVm the last this many replies of each virtual master are kept for its retries
 * @param decisionWindowLsns a decision is kept until this many later LSNs were assigned
 * @param maxTimeStepMillis a larger step between two commands' times means the sequencer could not
 *     serve (no leader, a stall): virtual masters could not renew meanwhile, so their leases are
 *     extended by the step instead of expiring (the leader's ticks keep normal steps far below it)
 */
public record SequencerConfig(
    int shards, int maxBatchTxs, long txTimeoutMillis, int repliesPerVm, long decisionWindowLsns,
    long maxTimeStepMillis) {

  public static final long DEFAULT_MAX_TIME_STEP_MILLIS = 2_000;

  public SequencerConfig(int shards, int maxBatchTxs, long txTimeoutMillis, int repliesPerVm, long decisionWindowLsns) {
    this(shards, maxBatchTxs, txTimeoutMillis, repliesPerVm, decisionWindowLsns, DEFAULT_MAX_TIME_STEP_MILLIS);
  }

  public SequencerConfig {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    if (maxBatchTxs < 1) {
      throw new IllegalArgumentException("maxBatchTxs must be >= 1, got " + maxBatchTxs);
    }
    if (txTimeoutMillis < 1 || repliesPerVm < 1 || decisionWindowLsns < 1 || maxTimeStepMillis < 1) {
      throw new IllegalArgumentException("timeouts and windows must be >= 1: " + txTimeoutMillis
          + ", " + repliesPerVm + ", " + decisionWindowLsns);
    }
  }

  /**
   * Defaults for {@code shards} shards: 4096 transactions per batch, 30 s timeout, 1024 replies per
   * virtual master (a virtual master's bound on LSN requests in flight), decisions kept for 1M LSNs.
   */
  public static SequencerConfig defaults(int shards) {
    // 1024 replies: common's SequencerClient.VM_LSN_CALLS_IN_FLIGHT (a test keeps them equal).
    return new SequencerConfig(shards, 4096, 30_000, 1024, 1_000_000);
  }
}
