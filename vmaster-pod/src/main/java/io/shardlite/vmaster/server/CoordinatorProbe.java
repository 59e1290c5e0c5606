package io.shardlite.vmaster.server;

/**
 * Asks whether a multi-shard transaction's coordinator is definitely gone: a lane holding a
 * prepared part uses it to resolve the part from the sequencer's decision without waiting out the
 * hold limit when the coordinator died (recording ABORT there is always safe: the first decision
 * wins, and a live coordinator then answers its client with the abort).
 */
@FunctionalInterface
interface CoordinatorProbe {
  /** A probe that never knows: lanes wait for the hold limit. */
  CoordinatorProbe NEVER = (address, txId) -> false;

  /**
   * True only when the virtual master at {@code address} says it is not running {@code txId}, or
   * cannot be reached at all (refused at once: its process is gone); false when unsure.
   */
  boolean gone(String address, String txId);
}
