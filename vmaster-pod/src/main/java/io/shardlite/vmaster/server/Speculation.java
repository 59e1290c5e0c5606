package io.shardlite.vmaster.server;

import java.time.Duration;

/**
 * How far a lane may run ahead of its multi-shard parts' decisions.
 *
 * @param parts unresolved parts a lane may stack on its shard, with later writes applied on top
 *     (0: a prepared part holds the shard until it is resolved)
 * @param stackLimit how long a non-empty stack keeps taking parts when no read waits for it; past
 *     it the stack drains first. The shard's file lacks the stack's transaction until the stack is
 *     empty: linearizable reads wait for that (and the shard tells the lane, which then drains at
 *     once), follower reads refuse a file that lags longer than their bound, and snapshots cannot
 *     pass it. So this bounds how far the file lags when nothing asks for it; keep it well below
 *     the shard servers' {@code --follower-max-lag-ms} (1 s by default).
 */
public record Speculation(int parts, Duration stackLimit) {
  public static final Duration DEFAULT_STACK_LIMIT = Duration.ofMillis(500);
  /** A stack this deep is one SQLite savepoint per part on the shard; the time limit bounds it too. */
  public static final int MAX_PARTS = 256;

  public Speculation {
    if (parts < 0 || parts > MAX_PARTS) {
      throw new IllegalArgumentException("speculative parts must be in [0, " + MAX_PARTS + "], got " + parts);
    }
    if (stackLimit.isNegative() || stackLimit.isZero() || stackLimit.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException("the speculative stack limit must be in (0, 10 s], got " + stackLimit);
    }
  }
}
