package io.shardlite.common.batch;

import java.time.Duration;

/**
 * When a group commit holds its next group back: a Raft entry costs about the same CPU whatever
 * it carries, and a log with one entry in flight sends the next as soon as the last one commits,
 * so it makes as many entries as its round trips allow, loaded or not. While the CPU is busy (at
 * least {@code busyCpuPercent}), the next group leaves no sooner than {@code gap} after the last
 * one, unless it is full already: fewer, larger entries, for a little latency, only when CPU is
 * what limits. Below it the gap shortens in proportion, to none {@link #RAMP_PERCENT} points
 * lower ({@link #ramped}, which the virtual masters' lanes use too): held all or nothing, a
 * sequencer leader whose host hovered around the threshold sent half its entries back to back
 * (50-100 entries/s against at most 50 with a 20 ms gap, 16 shards, 10% multi-shard). Pure: the
 * caller supplies the CPU use.
 *
 * @param gap the least time between two groups while the CPU is busy (0: never hold)
 * @param busyCpuPercent CPU use, 0-100, from which groups are held the whole gap (0: whatever the CPU)
 */
public record GroupPacing(Duration gap, int busyCpuPercent) {
  /** A longer hold would make every command wait longer than a log entry's round trip ever takes. */
  public static final Duration MAX_GAP = Duration.ofSeconds(1);
  /** CPU points below {@code busyCpuPercent} over which a hold or pause shortens to none. */
  public static final int RAMP_PERCENT = 15;
  /** Never holds. */
  public static final GroupPacing OFF = new GroupPacing(Duration.ZERO, 100);

  public GroupPacing {
    if (gap == null || gap.isNegative() || gap.compareTo(MAX_GAP) > 0) {
      throw new IllegalArgumentException("the entry gap must be in [0, " + MAX_GAP.toMillis() + " ms], got "
          + (gap == null ? "none" : gap.toMillis() + " ms"));
    }
    if (busyCpuPercent < 0 || busyCpuPercent > 100) {
      throw new IllegalArgumentException("the busy CPU percent must be in [0, 100], got " + busyCpuPercent);
    }
  }

  /**
   * How long the next group waits, {@code sinceLastSendNanos} after the last one left, when the
   * group would be {@code full} already and the CPU is {@code cpuPercent} busy (0: it leaves now).
   */
  public long holdNanos(long sinceLastSendNanos, boolean full, int cpuPercent) {
    if (full) {
      return 0;
    }
    return Math.max(0, ramped(gap.toNanos(), busyCpuPercent, cpuPercent) - sinceLastSendNanos);
  }

  /**
   * {@code fullNanos} from {@code busyCpuPercent} up (always when it is 0), in proportion below
   * it, none at or below {@link #RAMP_PERCENT} points less.
   */
  public static long ramped(long fullNanos, int busyCpuPercent, int cpuPercent) {
    if (busyCpuPercent == 0 || cpuPercent >= busyCpuPercent) {
      return fullNanos;
    }
    int low = Math.max(0, busyCpuPercent - RAMP_PERCENT);
    if (cpuPercent <= low) {
      return 0;
    }
    return fullNanos * (cpuPercent - low) / (busyCpuPercent - low);
  }
}
