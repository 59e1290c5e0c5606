package io.shardlite.shard.sql;

import java.util.SplittableRandom;

/**
 * The "now" and the random stream that SQL functions see while one log entry is applied. The
 * apply thread calls {@link #begin} before each entry with the entry's timestamp and seed, so
 * every replica sees the same values in the same order (see {@link DeterministicFunctions}).
 *
 * <p>Not thread safe, by design: a shard has exactly one apply thread, which is the only one
 * that touches its context (and the connection the functions are installed on).
 */
public final class DeterministicContext {
  private boolean set;
  private long timestampMillis;
  private long randomSeed;
  private SplittableRandom random;

  /**
   * Starts a new entry: fixes the time to {@code timestampMillis} (ms since the Unix epoch, UTC)
   * and restarts the random stream from {@code randomSeed} and the timestamp.
   */
  public void begin(long timestampMillis, long randomSeed) {
    this.timestampMillis = timestampMillis;
    this.randomSeed = randomSeed;
    // SplittableRandom mixes its seed, so combining the two values linearly is enough.
    this.random = new SplittableRandom(randomSeed ^ (timestampMillis * 0x9E3779B97F4A7C15L));
    this.set = true;
  }

  /** Whether {@link #begin} has been called. */
  public boolean isSet() {
    return set;
  }

  public long timestampMillis() {
    requireSet();
    return timestampMillis;
  }

  public long randomSeed() {
    requireSet();
    return randomSeed;
  }

  /** The next value of the entry's random stream. */
  public long nextLong() {
    requireSet();
    return random.nextLong();
  }

  /** The next {@code n} bytes of the entry's random stream. */
  public byte[] nextBytes(int n) {
    requireSet();
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private void requireSet() {
    if (!set) {
      throw new IllegalStateException("DeterministicContext.begin was not called");
    }
  }
}
