package io.shardlite.common.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a state machine's snapshots on a background thread instead of its apply thread.
 *
 * <p>Why: Ratis calls {@code StateMachine.takeSnapshot()} on the group's apply thread and applies
 * nothing until it returns. A snapshot that copies a shard's SQLite file, or encodes the
 * sequencer's state, and then fsyncs and checksums the copy stalled the group for as long: on the
 * sequencer's leader, every transaction in the cluster waited for its LSN meanwhile. Here
 * {@link #takeSnapshot} starts the work and returns at once with the newest snapshot already
 * written; Ratis keeps asking while the threshold is passed, and gets the new snapshot's index
 * (and purges the log up to it) on its first call after the work finished. The work must label
 * its snapshot with what the copy contains, not with what was applied when it started.
 *
 * <p>All state machines of a JVM share one writer thread, so snapshots of different groups run
 * one after another rather than all at once; a failed snapshot is retried no sooner than
 * {@link #RETRY_AFTER_FAILURE_NANOS} later.
 */
public final class BackgroundSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundSnapshots.class);
  static final long RETRY_AFTER_FAILURE_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Longest {@link #awaitIdle()} waits for a snapshot being written (queued ones included). */
  static final long IDLE_WAIT_MILLIS = 60_000;

  private static final ExecutorService SHARED_WRITER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "snapshot-writer");
    t.setDaemon(true);
    return t;
  });

  /**
   * Writes one snapshot and returns the index it contains, or the newest one's if it wrote none
   * (nothing new was committed, or the state machine closed meanwhile).
   */
  @FunctionalInterface
  public interface SnapshotWriter {
    long write() throws Exception;
  }

  private final String name;
  private final Executor executor;
  private final LongSupplier latestIndex;
  private final LongSupplier nanoClock;
  private CompletableFuture<Void> running = CompletableFuture.completedFuture(null);
  /** The highest index {@link #takeSnapshot} has returned. */
  private long reported = -1;
  private long failedAtNanos;
  private boolean failed;

  /**
   * @param name names the state machine in logs
   * @param latestIndex the index of the newest snapshot written (-1: none)
   */
  public BackgroundSnapshots(String name, LongSupplier latestIndex) {
    this(name, SHARED_WRITER, latestIndex, System::nanoTime);
  }

  BackgroundSnapshots(String name, Executor executor, LongSupplier latestIndex, LongSupplier nanoClock) {
    this.name = name;
    this.executor = executor;
    this.latestIndex = latestIndex;
    this.nanoClock = nanoClock;
  }

  /**
   * What {@code takeSnapshot()} returns to Ratis: the newest snapshot written. Starts {@code writer}
   * in the background unless a snapshot is being written, or one finished that Ratis has not been
   * told of yet (it is told now, and asks again only once the threshold is passed again).
   */
  public synchronized long takeSnapshot(SnapshotWriter writer) {
    long latest = latestIndex.getAsLong();
    if (!running.isDone()) {
      return latest;
    }
    if (latest > reported) {
      reported = latest;
      return latest;
    }
    if (failed && nanoClock.getAsLong() - failedAtNanos < RETRY_AFTER_FAILURE_NANOS) {
      return latest;
    }
    running = CompletableFuture.runAsync(() -> write(writer), executor);
    return latest;
  }

  private void write(SnapshotWriter writer) {
    long start = nanoClock.getAsLong();
    long before = latestIndex.getAsLong();
    try {
      long index = writer.write();
      synchronized (this) {
        failed = false;
      }
      if (index > before) {
        LOG.info("{}: snapshot at index {} written in {} ms", name, index,
            TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - start));
      } else {
        LOG.debug("{}: nothing new to snapshot (latest at index {})", name, before);
      }
    } catch (Exception | LinkageError e) {
      synchronized (this) {
        failed = true;
        failedAtNanos = nanoClock.getAsLong();
      }
      LOG.warn("{}: snapshot failed after {} ms; the log is kept until one succeeds", name,
          TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - start), e);
    }
  }

  /** Whether a snapshot is being written now. */
  synchronized boolean writing() {
    return !running.isDone();
  }

  /**
   * Waits, at most {@link #IDLE_WAIT_MILLIS}, for a snapshot being written to finish: before the
   * state machine pauses for a snapshot install, or closes. Returns whether none is being written
   * any more.
   */
  public boolean awaitIdle() {
    return awaitIdle(IDLE_WAIT_MILLIS);
  }

  boolean awaitIdle(long timeoutMillis) {
    CompletableFuture<Void> current;
    synchronized (this) {
      current = running;
    }
    try {
      current.get(timeoutMillis, TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (TimeoutException e) {
      LOG.warn("{}: a snapshot is still being written after {} ms", name, timeoutMillis);
      return false;
    } catch (ExecutionException e) {
      return true; // write() catches what the writer throws; nothing else can fail the future
    }
  }
}
