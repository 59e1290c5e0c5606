package io.shardlite.common.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
 * order, one call at a time (under this object's lock), so a sender that appends in call order
 * (a Raft leader does) logs them in arrival order. Results are completed outside the lock.
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

  private record Pending<I, O>(I item, long weight, CompletableFuture<O> result) {}

  private final int maxInFlight;
  private final long maxGroupWeight;
  private final Sender<I, O> sender;
  private final ArrayDeque<Pending<I, O>> queue = new ArrayDeque<>();
  /** Completions that arrived inside {@link #pump} (a sender that answered at once), run after the lock is released. */
  private final List<Runnable> deferred = new ArrayList<>();
  private int inFlight;
  private boolean pumping;

  /**
   * @param maxInFlight groups outstanding at once (at least 1)
   * @param maxGroupWeight a group stops growing before its items' weights exceed this (a single
   *     heavier item still forms a group of its own)
   */
  public GroupCommitter(int maxInFlight, long maxGroupWeight, Sender<I, O> sender) {
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
    synchronized (this) {
      queue.add(new Pending<>(item, weight, result));
      pump();
    }
    runDeferred();
    return result;
  }

  /** Items waiting for a group (not yet sent). */
  public synchronized int queued() {
    return queue.size();
  }

  /** Sends groups while the budget allows. Caller holds the lock; re-entry from a synchronous completion is a no-op. */
  private void pump() {
    if (pumping) {
      return;
    }
    pumping = true;
    try {
      while (inFlight < maxInFlight && !queue.isEmpty()) {
        List<Pending<I, O>> group = new ArrayList<>();
        long weight = 0;
        while (!queue.isEmpty() && (group.isEmpty() || weight + queue.peek().weight() <= maxGroupWeight)) {
          Pending<I, O> p = queue.poll();
          weight += p.weight();
          group.add(p);
        }
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
          if (Thread.holdsLock(this)) {
            deferred.add(() -> finished(group, results, error));
          } else {
            finished(group, results, error);
          }
        });
      }
    } finally {
      pumping = false;
    }
  }

  private void finished(List<Pending<I, O>> group, List<O> results, Throwable error) {
    try {
      complete(group, results, error);
    } finally {
      synchronized (this) {
        inFlight--;
        pump();
      }
      runDeferred();
    }
  }

  private void runDeferred() {
    while (true) {
      List<Runnable> now;
      synchronized (this) {
        if (deferred.isEmpty()) {
          return;
        }
        now = new ArrayList<>(deferred);
        deferred.clear();
      }
      now.forEach(Runnable::run);
    }
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
