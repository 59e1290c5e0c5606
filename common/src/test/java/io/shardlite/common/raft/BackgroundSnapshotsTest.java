package io.shardlite.common.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Ratis hears of a snapshot only once it is written, and the apply thread never writes one. */
class BackgroundSnapshotsTest {
  /** Runs the submitted writes only when the test says so. */
  private final Deque<Runnable> queued = new ArrayDeque<>();
  private final AtomicLong latest = new AtomicLong(-1);
  private final AtomicLong now = new AtomicLong();
  private final AtomicInteger writes = new AtomicInteger();
  private final BackgroundSnapshots snapshots =
      new BackgroundSnapshots("test", queued::add, latest::get, now::get);

  private BackgroundSnapshots.SnapshotWriter writerAt(long index) {
    return () -> {
      writes.incrementAndGet();
      latest.set(index);
      return index;
    };
  }

  @Test
  void theNewSnapshotIsReportedOnTheFirstCallAfterItIsWrittenAndNotBefore() {
    assertThat(snapshots.takeSnapshot(writerAt(100))).isEqualTo(-1);
    assertThat(queued).hasSize(1);
    assertThat(writes).hasValue(0); // started, not written by the caller
    assertThat(snapshots.writing()).isTrue();

    // While it is written, Ratis keeps asking: the old answer, and no second write.
    assertThat(snapshots.takeSnapshot(writerAt(150))).isEqualTo(-1);
    assertThat(queued).hasSize(1);

    queued.poll().run();
    assertThat(snapshots.writing()).isFalse();
    // The first call after it is written reports it and starts nothing.
    assertThat(snapshots.takeSnapshot(writerAt(200))).isEqualTo(100);
    assertThat(queued).isEmpty();
    // Asked again (the threshold passed again): the next one starts.
    assertThat(snapshots.takeSnapshot(writerAt(200))).isEqualTo(100);
    assertThat(queued).hasSize(1);
    queued.poll().run();
    assertThat(snapshots.takeSnapshot(writerAt(300))).isEqualTo(200);
    assertThat(writes).hasValue(2);
  }

  @Test
  void aSnapshotFoundAtStartIsReportedBeforeANewOneStarts() {
    latest.set(40);
    assertThat(snapshots.takeSnapshot(writerAt(90))).isEqualTo(40);
    assertThat(queued).isEmpty();
    assertThat(snapshots.takeSnapshot(writerAt(90))).isEqualTo(40);
    assertThat(queued).hasSize(1);
  }

  @Test
  void aFailedSnapshotIsRetriedOnlyAfterTheBackOff() {
    snapshots.takeSnapshot(() -> {
      throw new java.io.IOException("disk full");
    });
    queued.poll().run();
    assertThat(snapshots.writing()).isFalse();
    assertThat(snapshots.takeSnapshot(writerAt(10))).isEqualTo(-1);
    assertThat(queued).isEmpty();

    now.addAndGet(BackgroundSnapshots.RETRY_AFTER_FAILURE_NANOS);
    assertThat(snapshots.takeSnapshot(writerAt(10))).isEqualTo(-1);
    queued.poll().run();
    assertThat(snapshots.takeSnapshot(writerAt(20))).isEqualTo(10);
  }

  @Test
  void awaitIdleWaitsForTheWriteInProgressWithinItsTimeout() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch release = new CountDownLatch(1);
      BackgroundSnapshots real = new BackgroundSnapshots("test", pool, latest::get, System::nanoTime);
      assertThat(real.awaitIdle(10)).isTrue(); // nothing written yet
      real.takeSnapshot(() -> {
        release.await(30, TimeUnit.SECONDS);
        latest.set(7);
        return 7;
      });
      assertThat(real.awaitIdle(50)).isFalse();
      release.countDown();
      assertThat(real.awaitIdle(30_000)).isTrue();
      assertThat(real.takeSnapshot(writerAt(8))).isEqualTo(7);
    } finally {
      pool.shutdownNow();
    }
  }
}
