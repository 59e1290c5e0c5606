package io.shardlite.common.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupCommitterTest {

  /** A sender whose groups stay open until the test completes them. */
  private static final class HeldSender implements GroupCommitter.Sender<String, String> {
    final List<List<String>> groups = new ArrayList<>();
    final List<CompletableFuture<List<String>>> answers = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<List<String>> send(List<String> group) {
      groups.add(List.copyOf(group));
      CompletableFuture<List<String>> answer = new CompletableFuture<>();
      answers.add(answer);
      return answer;
    }

    void answer(int i) {
      List<String> results = new ArrayList<>();
      groups.get(i).forEach(s -> results.add(s.toUpperCase()));
      answers.get(i).complete(results);
    }
  }

  @Test
  void itemsArrivingWhileGroupsAreInFlightLeaveTogetherInArrivalOrder() throws Exception {
    HeldSender sender = new HeldSender();
    GroupCommitter<String, String> committer = new GroupCommitter<>(1, 100, sender);
    CompletableFuture<String> a = committer.submit("a", 1);
    CompletableFuture<String> b = committer.submit("b", 1);
    CompletableFuture<String> c = committer.submit("c", 1);
    assertThat(sender.groups).containsExactly(List.of("a"));
    assertThat(committer.queued()).isEqualTo(2);

    sender.answer(0);
    assertThat(a.get(1, TimeUnit.SECONDS)).isEqualTo("A");
    assertThat(sender.groups).containsExactly(List.of("a"), List.of("b", "c"));
    sender.answer(1);
    assertThat(b.get(1, TimeUnit.SECONDS)).isEqualTo("B");
    assertThat(c.get(1, TimeUnit.SECONDS)).isEqualTo("C");
    assertThat(committer.queued()).isZero();
  }

  @Test
  void inFlightBudgetAndGroupWeightBoundEachGroup() {
    HeldSender sender = new HeldSender();
    GroupCommitter<String, String> committer = new GroupCommitter<>(2, 5, sender);
    committer.submit("a", 3);
    committer.submit("b", 3);
    committer.submit("c", 3);
    committer.submit("d", 2);
    committer.submit("big", 9);
    assertThat(sender.groups).containsExactly(List.of("a"), List.of("b"));
    sender.answer(0);
    // c (3) + d (2) fill a group of weight 5; the heavier item goes alone.
    assertThat(sender.groups).containsExactly(List.of("a"), List.of("b"), List.of("c", "d"));
    sender.answer(1);
    assertThat(sender.groups.get(3)).containsExactly("big");
  }

  @Test
  void aFailedGroupFailsEachOfItsItemsAndTheNextGroupStillLeaves() throws Exception {
    HeldSender sender = new HeldSender();
    GroupCommitter<String, String> committer = new GroupCommitter<>(1, 100, sender);
    CompletableFuture<String> a = committer.submit("a", 1);
    CompletableFuture<String> b = committer.submit("b", 1);
    sender.answers.get(0).completeExceptionally(new IllegalStateException("not the leader"));
    assertThatThrownBy(() -> a.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("not the leader");
    sender.answer(1);
    assertThat(b.get(1, TimeUnit.SECONDS)).isEqualTo("B");
  }

  @Test
  void aSenderThatThrowsOrMiscountsFailsTheGroupInsteadOfHangingIt() {
    GroupCommitter<String, String> throwing = new GroupCommitter<>(1, 100, group -> {
      throw new IllegalArgumentException("refused");
    });
    assertThat(throwing.submit("a", 1)).isCompletedExceptionally();
    assertThat(throwing.submit("b", 1)).isCompletedExceptionally();

    GroupCommitter<String, String> short1 = new GroupCommitter<>(1, 100,
        group -> CompletableFuture.completedFuture(List.of()));
    assertThatThrownBy(() -> short1.submit("a", 1).join()).hasMessageContaining("got 0 results");
  }

  @Test
  void aSenderThatAnswersAtOnceDoesNotDeadlockEvenWhenCallbacksSubmitAgain() throws Exception {
    AtomicInteger sends = new AtomicInteger();
    GroupCommitter<Integer, Integer> committer = new GroupCommitter<>(1, 100, group -> {
      sends.incrementAndGet();
      return CompletableFuture.completedFuture(group.stream().map(i -> i * 2).toList());
    });
    // Every callback submits again, from inside the completion of the previous item.
    CountDownLatch done = new CountDownLatch(1);
    chain(committer, 0, 200, done);
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(sends.get()).isEqualTo(200);
  }

  private static void chain(GroupCommitter<Integer, Integer> committer, int i, int n, CountDownLatch done) {
    if (i == n) {
      done.countDown();
      return;
    }
    committer.submit(i, 1).thenAccept(r -> {
      assertThat(r).isEqualTo(2 * i);
      chain(committer, i + 1, n, done);
    });
  }

  @Test
  void concurrentSubmittersAllGetTheirOwnResult() throws Exception {
    GroupCommitter<Integer, Integer> committer = new GroupCommitter<>(2, 64,
        group -> CompletableFuture.supplyAsync(() -> group.stream().map(i -> -i).toList()));
    List<CompletableFuture<Integer>> results = submitFromThreads(committer, 4, 500, 1000);
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(results).hasSize(2000);
    assertThat(results.stream().mapToInt(CompletableFuture::join).sum())
        .isEqualTo(-java.util.stream.IntStream.range(0, 4).map(t -> java.util.stream.IntStream.range(0, 500)
            .map(i -> t * 1000 + i).sum()).sum());
  }

  /** {@code threads} threads each submit {@code perThread} items (thread t from t * stride up); every result. */
  private static List<CompletableFuture<Integer>> submitFromThreads(GroupCommitter<Integer, Integer> committer,
      int threads, int perThread, int stride) throws InterruptedException {
    List<CompletableFuture<Integer>> results = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * stride;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          results.add(committer.submit(base + i, 1));
        }
      });
      thread.start();
      started.add(thread);
    }
    for (Thread t : started) {
      t.join(20_000);
    }
    return results;
  }

  /**
   * Like Ratis' ordered client: replies are completed while the sender holds its own lock, and
   * sending takes that lock. A committer that made completions wait for its lock while holding it
   * across a send deadlocked here (found by the shard-writes benchmark).
   */
  @Test
  void aSenderThatCompletesInsideItsOwnLockDoesNotDeadlock() throws Exception {
    Object senderLock = new Object();
    java.util.concurrent.ExecutorService replier = java.util.concurrent.Executors.newSingleThreadExecutor();
    GroupCommitter<Integer, Integer> committer = new GroupCommitter<>(2, 4, group -> {
      synchronized (senderLock) {
        CompletableFuture<List<Integer>> answer = new CompletableFuture<>();
        List<Integer> results = List.copyOf(group);
        replier.execute(() -> {
          synchronized (senderLock) {
            answer.complete(results);
          }
        });
        return answer;
      }
    });
    List<CompletableFuture<Integer>> results = submitFromThreads(committer, 4, 2_000, 10_000);
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    assertThat(results).hasSize(8_000);
    assertThat(committer.queued()).isZero();
    replier.shutdownNow();
  }

  /** A timer that keeps its tasks until the test runs them. */
  private static final class ManualTimer implements GroupCommitter.Timer {
    final List<Runnable> tasks = new ArrayList<>();
    final List<Long> delays = new ArrayList<>();

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
      tasks.add(task);
      delays.add(delayNanos);
    }

    void runAll() {
      List<Runnable> now;
      synchronized (this) {
        now = new ArrayList<>(tasks);
        tasks.clear();
      }
      now.forEach(Runnable::run);
    }
  }

  @Test
  void aPacedGroupWaitsForTheTimerThenLeavesWithEverythingThatArrivedMeanwhile() throws Exception {
    HeldSender sender = new HeldSender();
    ManualTimer timer = new ManualTimer();
    long[] hold = {0};
    GroupCommitter<String, String> committer = new GroupCommitter<>(1, 100, sender, (since, queued) -> hold[0], timer);
    CompletableFuture<String> a = committer.submit("a", 1);
    assertThat(sender.groups).as("no hold: leaves at once").containsExactly(List.of("a"));

    hold[0] = 5_000_000;
    CompletableFuture<String> b = committer.submit("b", 1);
    sender.answer(0);
    assertThat(a.get(1, TimeUnit.SECONDS)).isEqualTo("A");
    CompletableFuture<String> c = committer.submit("c", 1);
    assertThat(sender.groups).as("held, though nothing is in flight").containsExactly(List.of("a"));
    assertThat(timer.delays).as("one wake-up, for the hold").containsExactly(5_000_000L);
    assertThat(committer.queued()).isEqualTo(2);

    hold[0] = 0;
    timer.runAll();
    assertThat(sender.groups).containsExactly(List.of("a"), List.of("b", "c"));
    sender.answer(1);
    assertThat(b.get(1, TimeUnit.SECONDS)).isEqualTo("B");
    assertThat(c.get(1, TimeUnit.SECONDS)).isEqualTo("C");
  }

  @Test
  void aPacedGroupLeavesAtOnceWhenTheTimerIsGone() throws Exception {
    HeldSender sender = new HeldSender();
    GroupCommitter<String, String> committer = new GroupCommitter<>(1, 100, sender, (since, queued) -> 5_000_000,
        (task, delay) -> {
          throw new java.util.concurrent.RejectedExecutionException("shut down");
        });
    CompletableFuture<String> a = committer.submit("a", 1);
    assertThat(sender.groups).as("sent rather than never").containsExactly(List.of("a"));
    sender.answer(0);
    assertThat(a.get(1, TimeUnit.SECONDS)).isEqualTo("A");
  }

  @Test
  void aPacerNeedsATimer() {
    assertThatThrownBy(() -> new GroupCommitter<String, String>(1, 1, new HeldSender(), (s, q) -> 0, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsANonPositiveBudget() {
    assertThatThrownBy(() -> new GroupCommitter<String, String>(0, 1, g -> null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
