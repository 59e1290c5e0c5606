package io.shardlite.client.cli;

import static io.shardlite.common.client.ShardliteClient.statement;

import io.shardlite.client.bench.BenchReport;
import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local demo, through the virtual masters: accounts spread over every shard, concurrent
 * transfers between random accounts (almost all multi-shard: atomic, strictly serializable; an
 * overdraft aborts the whole transfer through a CHECK constraint), and meanwhile multi-shard reads
 * of the grand total, which must never change.
 */
final class BankDemo {
  static final int ACCOUNTS = 200;
  static final long OPENING = 1_000;
  private static final int IN_FLIGHT = 16;

  private final ShardliteClient client;
  private final int shards;
  private final int seconds;
  private final PrintStream out;

  BankDemo(ShardliteClient client, int shards, int seconds, PrintStream out) {
    this.client = client;
    this.shards = shards;
    this.seconds = seconds;
    this.out = out;
  }

  static String account(int i) {
    return "account-" + i;
  }

  /** One shard key per shard, so one statement per key reads every shard in one transaction. */
  static List<String> keyPerShard(int shards) {
    Map<Integer, String> byShard = new TreeMap<>();
    for (int i = 0; byShard.size() < shards; i++) {
      byShard.putIfAbsent(ShardKeys.shardOf("total-" + i, shards), "total-" + i);
    }
    return new ArrayList<>(byShard.values());
  }

  boolean run() {
    ExecuteReply schema = client.execute(List.of(statement("",
        "CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))")));
    if (schema.hasError()) {
      out.println("demo: schema failed: " + schema.getError().getMessage());
      return false;
    }
    List<TxStatement> open = new ArrayList<>();
    for (int a = 0; a < ACCOUNTS; a++) {
      open.add(statement(account(a), "INSERT OR IGNORE INTO accounts VALUES (?, ?)", account(a), OPENING));
    }
    ExecuteReply opened = client.execute(ExecuteRequest.newBuilder().addAllStatements(open).setTimeoutMillis(60_000).build());
    if (opened.hasError()) {
      out.println("demo: opening accounts failed: " + opened.getError().getMessage());
      return false;
    }
    long expected = ACCOUNTS * OPENING;
    long openedTotal = total();
    out.printf("demo: %d accounts over %d shards (opened in one multi-shard transaction, total %d); %d transfers in flight"
        + " for %d s, total read in one multi-shard transaction meanwhile%n", ACCOUNTS, shards, openedTotal, IN_FLIGHT, seconds);

    AtomicLong committed = new AtomicLong();
    AtomicLong multiShard = new AtomicLong();
    AtomicLong overdrafts = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<Long> totals = new java.util.concurrent.CopyOnWriteArrayList<>();
    long[] latencies = new long[1 << 20];
    AtomicLong recorded = new AtomicLong();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
      // A total holds every shard's lane for a moment: a few per second, not back to back.
      for (long next = System.nanoTime(); System.nanoTime() < end; next += TimeUnit.MILLISECONDS.toNanos(500)) {
        java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
        long t = total();
        if (t >= 0) {
          totals.add(t);
        }
      }
    });
    Semaphore slots = new Semaphore(IN_FLIGHT);
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
      int from = random.nextInt(ACCOUNTS);
      int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
      long amount = 1 + random.nextInt(300);
      boolean multi = ShardKeys.shardOf(account(from), shards) != ShardKeys.shardOf(account(to), shards);
      long sent = System.nanoTime();
      client.executeAsync(ExecuteRequest.newBuilder()
          .addStatements(statement(account(from), "UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, account(from)))
          .addStatements(statement(account(to), "UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, account(to)))
          .build()).whenComplete((r, e) -> {
            slots.release();
            if (e == null && !r.hasError()) {
              committed.incrementAndGet();
              if (multi) {
                multiShard.incrementAndGet();
              }
              long i = recorded.getAndIncrement();
              if (i < latencies.length) {
                latencies[(int) i] = System.nanoTime() - sent;
              }
            } else if (e == null && r.getError().getCode() == ErrorCode.CONSTRAINT_VIOLATION) {
              overdrafts.incrementAndGet();
            } else {
              errors.incrementAndGet();
            }
          });
    }
    slots.acquireUninterruptibly(IN_FLIGHT);
    double elapsed = (System.nanoTime() - start) / 1e9;
    reader.join();
    long finalTotal = total();
    long[] sorted = Arrays.copyOf(latencies, (int) Math.min(recorded.get(), latencies.length));
    Arrays.sort(sorted);
    out.printf("demo: %d transfers committed (%d multi-shard) in %.1f s = %.1f tx/s; p50 %.1f ms, p99 %.1f ms; "
        + "%d refused (overdraft, whole transfer aborted), %d errors%n", committed.get(), multiShard.get(), elapsed,
        committed.get() / elapsed, BenchReport.percentile(sorted, 0.5) / 1e6, BenchReport.percentile(sorted, 0.99) / 1e6,
        overdrafts.get(), errors.get());
    long wrong = totals.stream().filter(t -> t != expected).count();
    boolean ok = openedTotal == expected && wrong == 0 && finalTotal == expected && errors.get() == 0;
    out.printf("demo: invariant %s: total %d in all %d consistent reads during the run and %d after (expected %d)%n",
        ok ? "OK" : "VIOLATED", totals.isEmpty() ? finalTotal : totals.get(0), totals.size(), finalTotal, expected);
    return ok;
  }

  /** The grand total, read in one multi-shard transaction (one consistent cut); -1 if it failed. */
  private long total() {
    List<TxStatement> read = new ArrayList<>();
    for (String key : keyPerShard(shards)) {
      read.add(statement(key, "SELECT coalesce(sum(balance), 0) FROM accounts"));
    }
    ExecuteReply r = client.execute(read);
    if (r.hasError()) {
      return -1;
    }
    return r.getResultsList().stream().mapToLong(x -> x.getRows(0).getValues(0).getInteger()).sum();
  }
}
