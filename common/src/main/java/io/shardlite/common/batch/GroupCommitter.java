package io.shardlite.common.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit in front of a replicated log: items that arrive while earlier groups are in flight
 * wait here and leave together as one group (one log entry: one consensus round, one fsync per
 * replica), each item keeping its own result. At most {@code maxInFlight} groups are outstanding,
 * so under load groups grow instead of queues inside the log.
 *
 * <p>Why it matters: on a small machine a log entry costs milliseconds of CPU across the replicas
 * (thread hand-offs, RPCs, fsyncs) whatever it carries, so throughput is entries/s times items per
 * entry.
 *
 * <p>Order is kept: items form groups in arrival order and groups are handed to the sender in that
 * order, one call at a time, so a sender that appends in call order (a Raft leader does) logs them
 * in arrival order.
 *
 * <p>No thread ever waits for this object: submitters and completions only enqueue and then try
 * to take the lock; whoever holds it does the pending work for everyone and looks again after
 * releasing it. That matters because completions arrive on threads holding the sender's own locks
 * (Ratis' client completes replies inside its sliding-window lock) while another thread holds ours
 * and calls the sender: waiting for each other would deadlock. Results are completed outside the
 * lock, but on whichever thread does the work, including one inside {@link #submit}: a caller must
 * not hold, while submitting, a lock that result callbacks (its own or other callers') take.
 *
 * <p>Optionally paced ({@link Pacer}): the next group may wait after the last one left, so that
 * on a saturated CPU more items share each entry; a timer sends it when the wait is over.
 *
 * @param <I> what a caller submits
 * @param <O> the result of one item
 */
public final class GroupCommitter<I, O> {
  /** Sends one group; completes with one result per item, in the group's order. */
  @FunctionalInterface
  public interface Sender<I, O> {
    CompletableFuture<List<O>> send(List<I> group);
  }

  /**
   * How long the next group waits before it leaves, given the time since the last group left and
   * the weight queued for it (0: it leaves now).
   */
  @FunctionalInterface
  public interface Pacer {
    long holdNanos(long sinceLastSendNanos, long queuedWeight);
  }

  /** Runs a task once after a delay. */
  @FunctionalInterface
  public interface Timer {
    void schedule(Runnable task, long delayNanos);
  }

  private record Pending<I, O>(I item, long weight, CompletableFuture<O> result) {}

  /** A group whose send completed: its results, or the failure of all of them. */
  private record Done<I, O>(List<Pending<I, O>> group, List<O> results, Throwable error) {}

  private final int maxInFlight;
  private final long maxGroupWeight;
  private final Sender<I, O> sender;
  private final ReentrantLock lock = new ReentrantLock();
  private final ConcurrentLinkedQueue<Pending<I, O>> incoming = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Done<I, O>> done = new ConcurrentLinkedQueue<>();
  /** Items waiting for a group, in arrival order (guarded by the lock). */
  private final ArrayDeque<Pending<I, O>> queue = new ArrayDeque<>();
  private int inFlight;
  private volatile int waiting;
  private final Pacer pacer;
  private final Timer timer;
  /** Guarded by the lock: the weight in {@link #queue}, when the last group left, a wake-up is due. */
  private long queuedWeight;
  private long lastSendNanos = System.nanoTime() - (1L << 62);
  private boolean wakeScheduled;
  /** A paced wait is over: the next holder of the lock looks again. */
  private volatile boolean kicked;

  /**
   * @param maxInFlight groups outstanding at once (at least 1)
   * @param maxGroupWeight a group stops growing before its items' weights exceed this (a single
   *     heavier item still forms a group of its own)
   */
  public GroupCommitter(int maxInFlight, long maxGroupWeight, Sender<I, O> sender) {
    this(maxInFlight, maxGroupWeight, sender, null, null);
  }

  /**
   * A paced group committer: before each group leaves, {@code pacer} says how long it waits, and
   * {@code timer} wakes it then (both null: never waits).
   */
  public GroupCommitter(int maxInFlight, long maxGroupWeight, Sender<I, O> sender, Pacer pacer, Timer timer) {
    if ((pacer == null) != (timer == null)) {
      throw new IllegalArgumentException("a pacer needs a timer, and a timer a pacer");
    }
    this.pacer = pacer;
    this.timer = timer;
    if (maxInFlight < 1 || maxGroupWeight < 1) {
      throw new IllegalArgumentException("maxInFlight and maxGroupWeight must be at least 1, got " + maxInFlight
          + " and " + maxGroupWeight);
    }
    this.maxInFlight = maxInFlight;
    this.maxGroupWeight = maxGroupWeight;
    this.sender = sender;
  }

  /** Queues one item; it leaves with the next group the in-flight budget allows. */
  public CompletableFuture<O> submit(I item, long weight) {
    CompletableFuture<O> result = new CompletableFuture<>();
    incoming.add(new Pending<>(item, weight, result));
    drive();
    return result;
  }

  /** Items waiting for a group (not yet sent). */
  public int queued() {
    return waiting + incoming.size();
  }

  /** Does the pending work if the lock is free; otherwise its holder does it after releasing it. */
  private void drive() {
    while (true) {
      if (!lock.tryLock()) {
        return;
      }
      List<Done<I, O>> finished = new ArrayList<>();
      try {
        if (kicked) {
          kicked = false;
          wakeScheduled = false;
        }
        for (Pending<I, O> p; (p = incoming.poll()) != null; ) {
          queue.add(p);
          queuedWeight += p.weight();
        }
        for (Done<I, O> d; (d = done.poll()) != null; ) {
          inFlight--;
          finished.add(d);
        }
        pump();
        waiting = queue.size();
      } finally {
        lock.unlock();
      }
      finished.forEach(d -> complete(d.group(), d.results(), d.error()));
      if (incoming.isEmpty() && done.isEmpty() && !kicked) {
        return;
      }
    }
  }

  /** Sends groups while the budget allows (lock held). */
  private void pump() {
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      if (held()) {
        return;
      }
      List<Pending<I, O>> group = new ArrayList<>();
      long weight = 0;
      while (!queue.isEmpty() && (group.isEmpty() || weight + queue.peek().weight() <= maxGroupWeight)) {
        Pending<I, O> p = queue.poll();
        weight += p.weight();
        group.add(p);
      }
      queuedWeight -= weight;
      lastSendNanos = System.nanoTime();
      inFlight++;
      List<I> items = new ArrayList<>(group.size());
      group.forEach(p -> items.add(p.item()));
      CompletableFuture<List<O>> sent;
      try {
        sent = sender.send(items);
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      sent.whenComplete((results, error) -> {
        done.add(new Done<>(group, results, error));
        if (!lock.isHeldByCurrentThread()) {
          drive(); // (an answer given at once, inside pump, is picked up when the holder looks again)
        }
      });
    }
  }

  /** Whether the pacer holds the next group back; if so, a wake-up is scheduled (lock held). */
  private boolean held() {
    if (pacer == null) {
      return false;
    }
    long hold = pacer.holdNanos(System.nanoTime() - lastSendNanos, queuedWeight);
    if (hold <= 0) {
      return false;
    }
    if (!wakeScheduled) {
      try {
        timer.schedule(() -> {
          kicked = true;
          drive();
        }, hold);
      } catch (RuntimeException stopped) {
        return false; // no timer any more (shutting down): send now rather than never
      }
      wakeScheduled = true;
    }
    return true;
  }

  private static <I, O> void complete(List<Pending<I, O>> group, List<O> results, Throwable error) {
    if (error == null && (results == null || results.size() != group.size())) {
      error = new IllegalStateException("a group of " + group.size() + " items got "
          + (results == null ? "no" : Integer.toString(results.size())) + " results");
    }
    for (int i = 0; i < group.size(); i++) {
      if (error != null) {
        group.get(i).result().completeExceptionally(error);
      } else {
        group.get(i).result().complete(results.get(i));
      }
    }
  }
}
