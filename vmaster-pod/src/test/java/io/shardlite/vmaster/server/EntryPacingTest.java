package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EntryPacingTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private final EntryPacing pacing = new EntryPacing(Duration.ofMillis(30), 32, 85, 4, 5);

  @Test
  void pausesTheRestOfTheGapOnABusyCpuWhileFewWritesWait() {
    assertThat(pacing.verdict(4, 0, 0, 85)).isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.gapLeftNanos(0, 85)).isEqualTo(30 * MS);
    assertThat(pacing.verdict(12, 31, 0, 100)).isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.gapLeftNanos(10 * MS, 100)).isEqualTo(20 * MS);
    assertThat(pacing.verdict(12, 5, 0, 95)).isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.gapLeftNanos(30 * MS, 95)).isZero();
    assertThat(pacing.gapLeftNanos(45 * MS, 95)).as("the gap is over").isZero();
  }

  @Test
  void neverPausesWithCpuToSpare() {
    assertThat(pacing.verdict(12, 1, 0, 70)).as("the foot of the ramp").isEqualTo(EntryPacing.Verdict.CPU_IDLE);
    assertThat(pacing.gapNanos(70)).isZero();
    assertThat(pacing.verdict(12, 1, 0, 0)).as("a server that cannot tell").isEqualTo(EntryPacing.Verdict.CPU_IDLE);
  }

  @Test
  void pausesLessAsTheCpuHasMoreToSpare() {
    assertThat(pacing.gapNanos(100)).isEqualTo(30 * MS);
    assertThat(pacing.gapNanos(85)).isEqualTo(30 * MS);
    assertThat(pacing.verdict(12, 1, 0, 84)).isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.gapNanos(84)).as("14 of the ramp's 15 points").isEqualTo(28 * MS);
    assertThat(pacing.gapNanos(75)).isEqualTo(10 * MS);
    assertThat(pacing.verdict(12, 1, 0, 71)).isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.gapNanos(71)).isEqualTo(2 * MS);
    assertThat(pacing.gapLeftNanos(5 * MS, 75)).as("what is left of a 10 ms pause").isEqualTo(5 * MS);
    EntryPacing lowBusy = new EntryPacing(Duration.ofMillis(30), 32, 10, 4, 5);
    assertThat(lowBusy.gapNanos(5)).as("a ramp that starts at 0").isEqualTo(15 * MS);
    assertThat(lowBusy.verdict(12, 1, 0, 0)).isEqualTo(EntryPacing.Verdict.CPU_IDLE);
  }

  @Test
  void enoughWaitingWritesEndThePause() {
    assertThat(pacing.verdict(12, 32, 0, 100)).isEqualTo(EntryPacing.Verdict.FILLED);
    assertThat(pacing.verdict(12, 500, 0, 100)).isEqualTo(EntryPacing.Verdict.FILLED);
  }

  @Test
  void aLaneWithFewWritersNeverPauses() {
    assertThat(pacing.verdict(3, 0, 0, 100)).as("its last entry carried 3 items").isEqualTo(EntryPacing.Verdict.SMALL_ENTRY);
    assertThat(pacing.verdict(0, 0, 0, 100)).as("no entry yet").isEqualTo(EntryPacing.Verdict.SMALL_ENTRY);
  }

  @Test
  void aSmallEntryStillPausesALaneWithManyWriters() {
    assertThat(pacing.verdict(1, 0, 20, 100)).as("a resolution alone, 20 answers held above parts")
        .isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.verdict(2, 2, 2, 100)).as("two waiting, two held").isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.verdict(2, 1, 2, 100)).as("three writers in all").isEqualTo(EntryPacing.Verdict.SMALL_ENTRY);
    assertThat(pacing.verdict(1, 0, Integer.MAX_VALUE, 100)).as("no overflow").isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.verdict(1, 40, 0, 100)).as("many waiting: full").isEqualTo(EntryPacing.Verdict.FILLED);
    assertThat(pacing.verdict(1, 0, 20, 50)).isEqualTo(EntryPacing.Verdict.CPU_IDLE);
  }

  @Test
  void zeroBusyPercentAndOneItemPauseAfterEveryEntry() {
    EntryPacing always = new EntryPacing(Duration.ofMillis(2), EntryPacing.MAX_FILL, 0, 1, 5);
    assertThat(always.verdict(1, 10_000, 0, 0)).isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(always.gapLeftNanos(MS, 0)).isEqualTo(MS);
  }

  @Test
  void offNeverPauses() {
    assertThat(EntryPacing.OFF.verdict(100, 0, 0, 100)).isEqualTo(EntryPacing.Verdict.OFF);
    assertThat(new EntryPacing(Duration.ZERO, 32, 0, 1, 5).verdict(100, 0, 0, 100)).isEqualTo(EntryPacing.Verdict.OFF);
    assertThat(EntryPacing.OFF.gapLeftNanos(0, 100)).isZero();
  }

  @Test
  void saysWhichConditionDecides() {
    assertThat(pacing.verdict(12, 5, 0, 90)).isEqualTo(EntryPacing.Verdict.PAUSE);
    assertThat(pacing.verdict(12, 5, 0, 60)).isEqualTo(EntryPacing.Verdict.CPU_IDLE);
    assertThat(pacing.verdict(12, 32, 0, 60)).as("a full lane, whatever the CPU").isEqualTo(EntryPacing.Verdict.FILLED);
    assertThat(pacing.verdict(3, 3, 0, 60)).as("a small entry first").isEqualTo(EntryPacing.Verdict.SMALL_ENTRY);
    assertThat(pacing.verdict(3, 32, 0, 60)).as("32 waiting writers are no small lane").isEqualTo(EntryPacing.Verdict.FILLED);
    assertThat(EntryPacing.OFF.verdict(3, 32, 0, 60)).isEqualTo(EntryPacing.Verdict.OFF);
    assertThat(EntryPacing.Verdict.CPU_IDLE.label()).isEqualTo("cpu_idle");
  }

  @Test
  void aPausingLaneSleepsThroughEachLookNotWokenByArrivals() {
    assertThat(pacing.sleepNanos(30 * MS)).as("a fifth of the 30 ms gap").isEqualTo(6 * MS);
    assertThat(pacing.sleepNanos(4 * MS)).as("no longer than the pause has left").isEqualTo(4 * MS);
    assertThat(pacing.sleepNanos(0)).as("the pause is over").isZero();
    EntryPacing short2 = new EntryPacing(Duration.ofMillis(2), 32, 85, 4, 5);
    assertThat(short2.sleepNanos(2 * MS)).as("at least 1 ms between looks").isEqualTo(MS);
    EntryPacing everyArrival = new EntryPacing(Duration.ofMillis(30), 32, 85, 4, 0);
    assertThat(everyArrival.sleepNanos(30 * MS)).as("0 looks: woken by every arrival").isZero();
    assertThat(EntryPacing.OFF.sleepNanos(30 * MS)).isZero();
  }

  @Test
  void refusesValuesOutOfRange() {
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(-1), 32, 85, 4, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry gap");
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(1001), 32, 85, 4, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry gap");
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(30), 0, 85, 4, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry fill");
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(30), 32, 101, 4, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busy CPU");
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(30), 32, -1, 4, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busy CPU");
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(30), 32, 85, 0, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimum items");
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(30), 32, 85, 4, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("looks");
    assertThatThrownBy(() -> new EntryPacing(Duration.ofMillis(30), 32, 85, 4, EntryPacing.MAX_LOOKS + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("looks");
  }
}
