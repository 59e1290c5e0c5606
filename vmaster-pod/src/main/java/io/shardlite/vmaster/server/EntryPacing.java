package io.shardlite.vmaster.server;

import io.shardlite.common.batch.GroupPacing;
import java.time.Duration;

/**
 * When a lane waits after a shard entry before it proposes the next, so that what arrives
 * meanwhile shares one larger entry. Every Raft entry costs the shard servers about the same CPU
 * whatever it carries (log write, replication to two followers, apply on three replicas), so
 * when their CPU is saturated, fewer and larger entries leave more of it for transactions. Lanes
 * only pause then, only while fewer than {@code fill} writes wait, and only when they have at
 * least {@code minEntryItems} writers: their last entry carried that many items, or that many
 * writes wait in the lane or for their answers (held above undecided multi-shard parts), a sign
 * that more will arrive during a pause. A lane whose entries are already large, a lane with a
 * writer or two (which would only wait longer for their own answers), or a cluster with CPU to
 * spare never pauses.
 *
 * @param maxGap the longest pause after an entry (0: lanes never pause)
 * @param fill writes waiting in the lane that end a pause at once
 * @param busyCpuPercent the CPU use (as the shard server reported it with the lane's last entry)
 *     from which lanes pause the whole {@code maxGap}; below it the pause shortens in proportion,
 *     to none at {@link GroupPacing#RAMP_PERCENT} points less; 0: the whole gap whatever the CPU
 * @param minEntryItems writes, prepares and resolutions the lane's last entry must have carried
 *     (or writes waiting and answers held in the lane) for it to pause: a lane with fewer has too
 *     few writers for a pause to gather more than it delays (in a closed loop, writers waiting for
 *     their answers send nothing meanwhile)
 * @param looks how many times per pause the lane looks at what arrived (0: at every arrival). Each
 *     look wakes the lane's thread and starts a group of the writes that arrived since the last one
 *     (an LSN request); waking at every arrival cost a thread switch and a group per write.
 */
public record EntryPacing(Duration maxGap, int fill, int busyCpuPercent, int minEntryItems, int looks) {
  /** A longer pause would make every write wait longer than a shard entry's round trip ever takes. */
  public static final Duration MAX_GAP = Duration.ofSeconds(1);
  public static final int MAX_FILL = 1_000_000;
  public static final int MAX_LOOKS = 1_000;
  /** A pausing lane sleeps at least this long between looks, whatever {@code looks} says. */
  static final long MIN_LOOK_NANOS = 1_000_000;
  /** Never pauses. */
  public static final EntryPacing OFF = new EntryPacing(Duration.ZERO, 1, 100, 1, 0);

  public EntryPacing {
    if (maxGap.isNegative() || maxGap.compareTo(MAX_GAP) > 0) {
      throw new IllegalArgumentException("the entry gap must be in [0, " + MAX_GAP.toMillis() + " ms], got "
          + maxGap.toMillis() + " ms");
    }
    if (fill < 1 || fill > MAX_FILL) {
      throw new IllegalArgumentException("the entry fill must be in [1, " + MAX_FILL + "], got " + fill);
    }
    if (busyCpuPercent < 0 || busyCpuPercent > 100) {
      throw new IllegalArgumentException("the busy CPU percent must be in [0, 100], got " + busyCpuPercent);
    }
    if (minEntryItems < 1 || minEntryItems > MAX_FILL) {
      throw new IllegalArgumentException("the entry minimum items must be in [1, " + MAX_FILL + "], got "
          + minEntryItems);
    }
    if (looks < 0 || looks > MAX_LOOKS) {
      throw new IllegalArgumentException("the looks per entry gap must be in [0, " + MAX_LOOKS + "], got " + looks);
    }
  }

  /**
   * Whether a lane pauses after an entry, or why not (the {@code verdict} label of
   * {@code shardlite_vm_lane_pacing_total}). Checked in this order: pacing off, a small last entry,
   * enough writes waiting, a shard server with CPU to spare.
   */
  public enum Verdict {
    PAUSE("pause"),
    OFF("off"),
    SMALL_ENTRY("small_entry"),
    FILLED("filled"),
    CPU_IDLE("cpu_idle"),
    /** Not decided here: the lane does not pause while linearizable reads wait for its stacked parts. */
    READS("reads");

    private final String label;

    Verdict(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * Whether the lane pauses, given the items its last entry carried, the writes waiting in the
   * lane, the answers it holds (writes applied above multi-shard parts not decided yet) and the
   * CPU use its shard server last reported. A small entry (one that carried a resolution or two,
   * say) does not stop a lane with many writers from pausing: those holding answers send their
   * next writes as the parts below are decided, which a pause gathers.
   */
  public Verdict verdict(int lastEntryItems, int waitingWrites, int heldAnswers, int cpuPercent) {
    if (maxGap.isZero()) {
      return Verdict.OFF;
    }
    if (lastEntryItems < minEntryItems && (long) waitingWrites + heldAnswers < minEntryItems) {
      return Verdict.SMALL_ENTRY;
    }
    if (waitingWrites >= fill) {
      return Verdict.FILLED;
    }
    return gapNanos(cpuPercent) == 0 ? Verdict.CPU_IDLE : Verdict.PAUSE;
  }

  /**
   * How long a lane pauses after an entry when its shard server reports {@code cpuPercent}: the
   * whole gap from {@code busyCpuPercent}, in proportion below it, none at or below the ramp's foot
   * ({@link GroupPacing#ramped}). A pause that was all or nothing made the lanes swing: pausing,
   * they let the CPU fall below the threshold, then all stopped, entries shrank and the CPU rose
   * again (a quarter to a third of the entries at 16 shards and 10% multi-shard went without a
   * pause, verdict {@code cpu_idle}).
   */
  public long gapNanos(int cpuPercent) {
    return GroupPacing.ramped(maxGap.toNanos(), busyCpuPercent, cpuPercent);
  }

  /** What is left of a pause that began {@code sinceEntryNanos} ago at {@code cpuPercent} (0: it is over). */
  public long gapLeftNanos(long sinceEntryNanos, int cpuPercent) {
    return Math.max(0, gapNanos(cpuPercent) - sinceEntryNanos);
  }

  /**
   * How long a pausing lane sleeps, not woken by arrivals, before it looks at what arrived, with
   * {@code gapLeftNanos} of its pause left; 0: it waits for arrivals instead ({@code looks} 0).
   */
  public long sleepNanos(long gapLeftNanos) {
    if (looks == 0 || gapLeftNanos <= 0) {
      return 0;
    }
    return Math.min(gapLeftNanos, Math.max(MIN_LOOK_NANOS, maxGap.toNanos() / looks));
  }
}
