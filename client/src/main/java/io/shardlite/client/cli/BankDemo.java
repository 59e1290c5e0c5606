package io.shardlite.client.cli;

import static io.shardlite.common.client.ShardliteClient.statement;

import io.shardlite.client.bench.BenchReport;
import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The local demo, through the virtual masters: a bank whose accounts are grouped into branches
 * (the branch is the shard key; branches spread evenly over every shard) and concurrent clients
 * moving money. A transfer inside a branch is one single-shard transaction; a share of transfers
 * (optional) goes between branches on different shards as one atomic multi-shard transaction. An
 * overdraft violates the table's CHECK and aborts the whole transfer, so money never appears or
 * disappears. Checked: the grand total in consistent multi-shard reads during and after the run,
 * every branch's total by a read of its shard (equal to its opening total plus the cross-branch
 * transfers that committed), and that every committed transfer updated exactly two rows.
 */
final class BankDemo {
  static final int BRANCHES_PER_SHARD = 4;
  static final int ACCOUNTS_PER_BRANCH = 8;
  static final long OPENING = 1_000;
  static final long MAX_AMOUNT = 300;

  private final ShardliteClient client;
  private final BankLayout layout;
  private final int seconds;
  private final int warmupSeconds;
  private final int inFlight;
  private final double crossBranch;
  private final PrintStream out;
  private final Map<String, Integer> branchIndex = new HashMap<>();

  BankDemo(ShardliteClient client, int shards, int seconds, int warmupSeconds, int inFlight, double crossBranch,
      PrintStream out) {
    this.client = client;
    this.layout = new BankLayout(shards, BRANCHES_PER_SHARD, ACCOUNTS_PER_BRANCH, OPENING);
    this.seconds = seconds;
    this.warmupSeconds = warmupSeconds;
    this.inFlight = inFlight;
    this.crossBranch = crossBranch;
    this.out = out;
    for (int i = 0; i < layout.branches().size(); i++) {
      branchIndex.put(layout.branches().get(i), i);
    }
  }

  static final String DEBIT = "UPDATE " + BankLayout.TABLE + " SET balance = balance - ? WHERE branch = ? AND id = ?";
  static final String CREDIT = "UPDATE " + BankLayout.TABLE + " SET balance = balance + ? WHERE branch = ? AND id = ?";

  /** One transfer as one transaction: the debit (an overdraft aborts it all) and the credit. */
  static ExecuteRequest transfer(BankLayout.Transfer t) {
    return ExecuteRequest.newBuilder()
        .addStatements(statement(t.fromBranch(), DEBIT, t.amount(), t.fromBranch(), t.fromId()))
        .addStatements(statement(t.toBranch(), CREDIT, t.amount(), t.toBranch(), t.toId()))
        .build();
  }

  /** Latencies of one kind of committed transfer or of read (nanoseconds). */
  private static final class Latencies {
    final ConcurrentLinkedQueue<Long> values = new ConcurrentLinkedQueue<>();

    long[] sorted() {
      long[] a = values.stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(a);
      return a;
    }
  }

  boolean run() {
    ExecuteReply schema = client.execute(List.of(statement("", BankLayout.CREATE)));
    if (schema.hasError()) {
      out.println("demo: schema failed: " + schema.getError().getMessage());
      return false;
    }
    if (!open()) {
      return false;
    }
    long[] baseline = branchTotals();
    if (baseline == null) {
      return false;
    }
    long openedTotal = Arrays.stream(baseline).sum();
    out.printf("demo: %d accounts in %d branches (%d per shard, the branch is the shard key) over %d shards, total %d;"
        + " %d transfers in flight for %d s after %d s of warm-up, %s%n", layout.accounts(), layout.branches().size(),
        BRANCHES_PER_SHARD, layout.shards(), openedTotal, inFlight, seconds, warmupSeconds, crossBranch > 0
            ? String.format("%.0f%% of them between branches on different shards (atomic multi-shard transactions)",
                crossBranch * 100)
            : "each inside one branch (single-shard transactions)");

    AtomicLong single = new AtomicLong();
    AtomicLong multi = new AtomicLong();
    // Transfers sent during the warm-up count for every invariant, not for throughput or latency:
    // freshly started JVMs run interpreted code for their first seconds.
    AtomicLong warmupCommitted = new AtomicLong();
    AtomicLong overdrafts = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong anomalies = new AtomicLong();
    AtomicLongArray moved = new AtomicLongArray(layout.branches().size());
    Latencies singleLatency = new Latencies();
    Latencies multiLatency = new Latencies();
    Latencies totalReadLatency = new Latencies();
    Latencies branchReadLatency = new Latencies();
    List<Long> totals = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicLong branchChecks = new AtomicLong();
    AtomicLong branchViolations = new AtomicLong();
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
    long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
    CompletableFuture<Void> checker = CompletableFuture.runAsync(() -> {
      SplittableRandom random = new SplittableRandom(11);
      // A consistent total holds every shard's lane for a moment: twice a second, not back to back.
      // In between, with transfers only inside branches, a branch's total must never change either.
      for (long next = System.nanoTime(); System.nanoTime() < end; next += TimeUnit.MILLISECONDS.toNanos(500)) {
        LockSupport.parkNanos(next - System.nanoTime());
        long sent = System.nanoTime();
        long t = grandTotal();
        if (t >= 0) {
          totals.add(t);
          timed(totalReadLatency, sent, measureFrom);
        }
        if (crossBranch == 0) {
          int b = random.nextInt(layout.branches().size());
          sent = System.nanoTime();
          long branch = branchTotal(layout.branches().get(b));
          if (branch >= 0) {
            timed(branchReadLatency, sent, measureFrom);
            branchChecks.incrementAndGet();
            if (branch != baseline[b]) {
              branchViolations.incrementAndGet();
            }
          }
        }
      }
    });
    Semaphore slots = new Semaphore(inFlight);
    SplittableRandom random = new SplittableRandom(7);
    while (System.nanoTime() < end) {
      try {
        if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      BankLayout.Transfer t = layout.nextTransfer(random, crossBranch, MAX_AMOUNT);
      boolean cross = t.crossBranch();
      long sent = System.nanoTime();
      client.executeAsync(transfer(t)).whenComplete((r, e) -> {
        try {
          if (e == null && !r.hasError()) {
            long took = System.nanoTime() - sent;
            // A replayed reply (an earlier attempt committed) carries no results to check.
            if (!r.getReplayed()
                && (r.getResultsCount() != 2 || r.getResultsList().stream().anyMatch(s -> s.getRowsAffected() != 1))) {
              anomalies.incrementAndGet();
            }
            if (cross) {
              moved.addAndGet(branchIndex.get(t.fromBranch()), -t.amount());
              moved.addAndGet(branchIndex.get(t.toBranch()), t.amount());
            }
            if (sent - measureFrom < 0) {
              warmupCommitted.incrementAndGet();
            } else if (cross) {
              multi.incrementAndGet();
              multiLatency.values.add(took);
            } else {
              single.incrementAndGet();
              singleLatency.values.add(took);
            }
          } else if (e == null && r.getError().getCode() == ErrorCode.CONSTRAINT_VIOLATION) {
            overdrafts.incrementAndGet();
          } else {
            if (errors.incrementAndGet() <= 3) {
              out.println("demo: transfer failed: " + (e != null ? e : r.getError().getCode() + " " + r.getError().getMessage()));
            }
          }
        } finally {
          slots.release();
        }
      });
    }
    slots.acquireUninterruptibly(inFlight);
    double elapsed = (System.nanoTime() - measureFrom) / 1e9;
    checker.join();

    long finalTotal = grandTotal();
    long[] after = branchTotals();
    int branchesWrong = 0;
    if (after != null) {
      for (int b = 0; b < after.length; b++) {
        if (after[b] != baseline[b] + moved.get(b)) {
          branchesWrong++;
        }
      }
    }
    long committed = single.get() + multi.get();
    long[] s = singleLatency.sorted();
    long[] m = multiLatency.sorted();
    out.printf("demo: %d transfers committed in %.1f s = %.1f tx/s (and %d during the warm-up); %d refused (overdraft:"
        + " whole transfer aborted), %d errors%n", committed, elapsed, committed / elapsed, warmupCommitted.get(),
        overdrafts.get(), errors.get());
    out.printf("demo:   single-shard (inside a branch): %d, p50 %.1f ms, p99 %.1f ms%n", s.length,
        BenchReport.percentile(s, 0.5) / 1e6, BenchReport.percentile(s, 0.99) / 1e6);
    if (crossBranch > 0) {
      out.printf("demo:   multi-shard (between branches): %d, p50 %.1f ms, p99 %.1f ms%n", m.length,
          BenchReport.percentile(m, 0.5) / 1e6, BenchReport.percentile(m, 0.99) / 1e6);
    } else {
      out.println("demo: transfers between branches (different shards) run as multi-shard transactions:"
          + " add them with --demo-cross-branch PERCENT");
    }
    printReads("consistent grand-total reads (one multi-shard read over every shard)", totalReadLatency);
    if (crossBranch == 0) {
      printReads("single-branch reads (one shard)", branchReadLatency);
    }
    long expected = layout.grandTotal();
    long wrongTotals = totals.stream().filter(t -> t != expected).count();
    boolean ok = openedTotal == expected && wrongTotals == 0 && finalTotal == expected && after != null
        && branchesWrong == 0 && branchViolations.get() == 0 && anomalies.get() == 0 && errors.get() == 0;
    out.printf("demo: grand total %d in all %d consistent multi-shard reads during the run (%d differed) and %d after"
        + " (expected %d)%n", totals.isEmpty() ? finalTotal : totals.get(0), totals.size(), wrongTotals, finalTotal, expected);
    out.printf("demo: branch totals: %d of %d branches as expected after the run (opening plus committed cross-branch"
        + " transfers)%s; %d transfers touched a row count other than 1%n", after == null ? 0 : after.length - branchesWrong,
        layout.branches().size(), crossBranch == 0 ? String.format(", %d of %d single-branch reads during the run unchanged",
            branchChecks.get() - branchViolations.get(), branchChecks.get()) : "", anomalies.get());
    out.printf("demo: invariant %s%n", ok ? "OK" : "VIOLATED");
    return ok;
  }

  /** Opens every branch's accounts, one single-shard transaction per branch, all at once. */
  private boolean open() {
    List<CompletableFuture<ExecuteReply>> replies = new ArrayList<>();
    for (String branch : layout.branches()) {
      List<TxStatement> open = new ArrayList<>();
      for (int id = 0; id < layout.accountsPerBranch(); id++) {
        open.add(statement(branch, "INSERT OR IGNORE INTO " + BankLayout.TABLE + " VALUES (?, ?, ?)", branch, id,
            layout.opening()));
      }
      replies.add(client.executeAsync(ExecuteRequest.newBuilder().addAllStatements(open).setTimeoutMillis(60_000).build()));
    }
    for (CompletableFuture<ExecuteReply> f : replies) {
      ExecuteReply r = f.join();
      if (r.hasError()) {
        out.println("demo: opening accounts failed: " + r.getError().getCode() + " " + r.getError().getMessage());
        return false;
      }
    }
    return true;
  }

  private long branchTotal(String branch) {
    ExecuteReply r = client.execute(List.of(statement(branch,
        "SELECT coalesce(sum(balance), 0) FROM " + BankLayout.TABLE + " WHERE branch = ?", branch)));
    return r.hasError() ? -1 : r.getResults(0).getRows(0).getValues(0).getInteger();
  }

  /** Records a read's latency if it was sent in the measured seconds. */
  private static void timed(Latencies latencies, long sent, long measureFrom) {
    if (sent - measureFrom >= 0) {
      latencies.values.add(System.nanoTime() - sent);
    }
  }

  private void printReads(String what, Latencies latencies) {
    long[] r = latencies.sorted();
    if (r.length > 0) {
      out.printf("demo:   %s: %d, p50 %.1f ms, max %.1f ms%n", what, r.length, BenchReport.percentile(r, 0.5) / 1e6,
          r[r.length - 1] / 1e6);
    }
  }

  /** Every branch's total, each read from its own shard; null (and a message) if a read failed. */
  private long[] branchTotals() {
    List<CompletableFuture<ExecuteReply>> replies = new ArrayList<>();
    for (String branch : layout.branches()) {
      replies.add(client.executeAsync(ExecuteRequest.newBuilder().addStatements(statement(branch,
          "SELECT coalesce(sum(balance), 0) FROM " + BankLayout.TABLE + " WHERE branch = ?", branch)).build()));
    }
    long[] totals = new long[replies.size()];
    for (int b = 0; b < totals.length; b++) {
      ExecuteReply r = replies.get(b).join();
      if (r.hasError()) {
        out.println("demo: reading " + layout.branches().get(b) + " failed: " + r.getError().getMessage());
        return null;
      }
      totals[b] = r.getResults(0).getRows(0).getValues(0).getInteger();
    }
    return totals;
  }

  /** The grand total, read in one multi-shard transaction (one consistent cut); -1 if it failed. */
  private long grandTotal() {
    List<TxStatement> read = new ArrayList<>();
    for (String branch : layout.branchPerShard()) {
      read.add(statement(branch, "SELECT coalesce(sum(balance), 0) FROM " + BankLayout.TABLE));
    }
    ExecuteReply r = client.execute(read);
    if (r.hasError()) {
      return -1;
    }
    return r.getResultsList().stream().mapToLong(x -> x.getRows(0).getValues(0).getInteger()).sum();
  }
}
