package io.shardlite.client.bench;

import static io.shardlite.common.client.ShardliteClient.statement;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * Whole-cluster workloads through the client API: YCSB-style workload A (50% reads, 50% updates of
 * one record, uniform or zipfian keys) and bank transfers with a chosen share of multi-shard ones.
 * Closed loop: {@code concurrency} transactions in flight, each new one sent when one completes.
 */
public final class ClusterBench {
  /**
   * One measured run. Latencies are client-side, from send to reply; {@code worstMsBySecond} is the
   * slowest committed transaction sent in each second of the measurement (empty if not tracked).
   */
  public record Run(String workload, int concurrency, double seconds, long committed, long refused, long failed,
      double txPerSec, double p50Ms, double p99Ms, double p999Ms, List<Double> worstMsBySecond) {
    public Run {
      worstMsBySecond = List.copyOf(worstMsBySecond);
    }

    public Run(String workload, int concurrency, double seconds, long committed, long refused, long failed,
        double txPerSec, double p50Ms, double p99Ms, double p999Ms) {
      this(workload, concurrency, seconds, committed, refused, failed, txPerSec, p50Ms, p99Ms, p999Ms, List.of());
    }
  }

  private final ShardliteClient client;
  private final int shards;
  private final int records;
  private final int accounts;
  private final List<List<Integer>> accountsByShard = new ArrayList<>();

  public ClusterBench(ShardliteClient client, int shards, int records, int accounts) {
    this.client = client;
    this.shards = shards;
    this.records = records;
    this.accounts = accounts;
    for (int s = 0; s < shards; s++) {
      accountsByShard.add(new ArrayList<>());
    }
    for (int a = 0; a < accounts; a++) {
      accountsByShard.get(ShardKeys.shardOf(account(a), shards)).add(a);
    }
  }

  static String record(int i) {
    return "user" + i;
  }

  static String account(int i) {
    return "acct" + i;
  }

  /** Creates the tables and loads the records and accounts, one multi-row transaction per shard. */
  public void load() {
    check(client.execute(List.of(statement("", "CREATE TABLE IF NOT EXISTS usertable(k TEXT PRIMARY KEY, v TEXT NOT NULL)"),
        statement("", "CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))"))),
        "schema");
    List<List<TxStatement>> perShard = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      perShard.add(new ArrayList<>());
    }
    String value = "v".repeat(100);
    for (int i = 0; i < records; i++) {
      perShard.get(ShardKeys.shardOf(record(i), shards)).add(
          statement(record(i), "INSERT OR REPLACE INTO usertable VALUES (?, ?)", record(i), value));
    }
    for (int a = 0; a < accounts; a++) {
      perShard.get(ShardKeys.shardOf(account(a), shards)).add(
          statement(account(a), "INSERT OR REPLACE INTO accounts VALUES (?, 1000000)", account(a)));
    }
    List<CompletableFuture<ExecuteReply>> loads = new ArrayList<>();
    for (List<TxStatement> part : perShard) {
      for (int from = 0; from < part.size(); from += 500) {
        loads.add(client.executeAsync(ExecuteRequest.newBuilder()
            .addAllStatements(part.subList(from, Math.min(part.size(), from + 500))).setTimeoutMillis(60_000).build()));
      }
    }
    loads.forEach(f -> check(f.join(), "load"));
  }

  /** YCSB workload A: half reads, half updates of one record; zipfian (theta 0.99) or uniform keys. */
  public Run ycsbA(boolean zipfian, int concurrency, double warmupSeconds, double seconds) {
    Zipf zipf = zipfian ? new Zipf(records, 0.99) : null;
    String value = "u".repeat(100);
    return closedLoop((zipfian ? "ycsb-a-zipfian" : "ycsb-a-uniform"), concurrency, warmupSeconds, seconds, random -> {
      int key = zipf != null ? zipf.next(random) : random.nextInt(records);
      TxStatement op = random.nextBoolean()
          ? statement(record(key), "SELECT v FROM usertable WHERE k = ?", record(key))
          : statement(record(key), "UPDATE usertable SET v = ? WHERE k = ?", value, record(key));
      return ExecuteRequest.newBuilder().addStatements(op).build();
    });
  }

  /** Transfers of 1 unit; {@code multiShardPercent} of them between accounts on different shards. */
  public Run transfers(int multiShardPercent, int concurrency, double warmupSeconds, double seconds) {
    return closedLoop("transfer-" + multiShardPercent + "pct-multi", concurrency, warmupSeconds, seconds, random -> {
      int from = random.nextInt(accounts);
      int fromShard = ShardKeys.shardOf(account(from), shards);
      int to;
      if (random.nextInt(100) < multiShardPercent) {
        int shard = (fromShard + 1 + random.nextInt(shards - 1)) % shards;
        List<Integer> there = accountsByShard.get(shard);
        to = there.get(random.nextInt(there.size()));
      } else {
        List<Integer> here = accountsByShard.get(fromShard);
        to = here.get(random.nextInt(here.size()));
        if (to == from) {
          to = here.get((here.indexOf(from) + 1) % here.size());
        }
      }
      return ExecuteRequest.newBuilder()
          .addStatements(statement(account(from), "UPDATE accounts SET balance = balance - 1 WHERE id = ?", account(from)))
          .addStatements(statement(account(to), "UPDATE accounts SET balance = balance + 1 WHERE id = ?", account(to)))
          .build();
    });
  }

  /**
   * {@code concurrency} chains of transactions, each sending its next one from the completion of
   * the last (on whichever thread completes it: with a client that completes on its transport
   * threads, the event loop that read the reply), until the time is up. A main thread that sent
   * every transaction cost a thread wake-up per transaction twice over: to hand it the free slot,
   * and to hand its write to the event loop.
   */
  private Run closedLoop(String name, int concurrency, double warmupSeconds, double seconds,
      Function<SplittableRandom, ExecuteRequest> nextTx) {
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = warmEnd + (long) (seconds * 1e9);
    Tally tally = new Tally(warmEnd, end, seconds);
    CountDownLatch chainsDone = new CountDownLatch(concurrency);
    SplittableRandom seeds = new SplittableRandom(42);
    for (int i = 0; i < concurrency; i++) {
      new Chain(seeds.split(), nextTx, tally, chainsDone).next();
    }
    try {
      // Every transaction has a 30 s deadline, and the client answers each by then.
      if (!chainsDone.await(end - System.nanoTime() + TimeUnit.SECONDS.toNanos(60), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(chainsDone.getCount() + " of " + concurrency
            + " transaction chains still had a transaction without an answer 60 s after the end");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the last transactions completed", e);
    }
    return tally.run(name, concurrency);
  }

  /** Outcomes and latencies of the transactions sent during the measured span. */
  private static final class Tally {
    final long warmEnd;
    final long end;
    final double seconds;
    final AtomicLong committed = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final long[] latencies = new long[1 << 22];
    final AtomicLong recorded = new AtomicLong();
    final AtomicLongArray worstBySecond;

    Tally(long warmEnd, long end, double seconds) {
      this.warmEnd = warmEnd;
      this.end = end;
      this.seconds = seconds;
      this.worstBySecond = new AtomicLongArray((int) Math.ceil(seconds) + 1);
    }

    /** Counts a transaction sent at {@code start} that completed at {@code done} (measured ones only). */
    void add(long start, long done, ExecuteReply reply, Throwable error) {
      if (start < warmEnd || done > end) {
        return;
      }
      if (error == null && !reply.hasError()) {
        committed.incrementAndGet();
        long i = recorded.getAndIncrement();
        if (i < latencies.length) {
          latencies[(int) i] = done - start;
        }
        worstBySecond.accumulateAndGet((int) ((start - warmEnd) / 1_000_000_000L), done - start, Math::max);
      } else if (error == null && reply.getError().getCode() == ErrorCode.CONSTRAINT_VIOLATION) {
        refused.incrementAndGet();
      } else {
        failed.incrementAndGet();
      }
    }

    Run run(String name, int concurrency) {
      long n = Math.min(recorded.get(), latencies.length);
      long[] sorted = Arrays.copyOf(latencies, (int) n);
      Arrays.sort(sorted);
      List<Double> worst = new ArrayList<>();
      for (int i = 0; i < worstBySecond.length(); i++) {
        worst.add(ms(worstBySecond.get(i)));
      }
      return new Run(name, concurrency, seconds, committed.get(), refused.get(), failed.get(),
          committed.get() / seconds, ms(BenchReport.percentile(sorted, 0.50)), ms(BenchReport.percentile(sorted, 0.99)),
          ms(BenchReport.percentile(sorted, 0.999)), worst);
    }
  }

  /** One closed-loop client: a transaction at a time, the next sent as the last completes. */
  private final class Chain {
    private final SplittableRandom random;
    private final Function<SplittableRandom, ExecuteRequest> nextTx;
    private final Tally tally;
    private final CountDownLatch done;

    Chain(SplittableRandom random, Function<SplittableRandom, ExecuteRequest> nextTx, Tally tally, CountDownLatch done) {
      this.random = random;
      this.nextTx = nextTx;
      this.tally = tally;
      this.done = done;
    }

    /** Sends transactions until one is still in flight (its completion carries on) or the time is up. */
    void next() {
      while (true) {
        long start = System.nanoTime();
        if (start >= tally.end) {
          done.countDown();
          return;
        }
        CompletableFuture<ExecuteReply> f =
            client.executeAsync(nextTx.apply(random).toBuilder().setTimeoutMillis(30_000).build());
        if (!f.isDone()) {
          f.whenComplete((r, e) -> {
            tally.add(start, System.nanoTime(), r, e);
            next();
          });
          return;
        }
        // Answered at once (a closed client, say): loop here rather than recurse.
        ExecuteReply r = null;
        Throwable e = null;
        try {
          r = f.join();
        } catch (RuntimeException failure) {
          e = failure;
        }
        tally.add(start, System.nanoTime(), r, e);
      }
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void check(ExecuteReply r, String what) {
    if (r.hasError()) {
      throw new IllegalStateException(what + " failed: " + r.getError().getCode() + " " + r.getError().getMessage());
    }
  }

  /** Zipfian integers in [0, n) (Gray et al.'s method, as YCSB), rank 0 the most popular. */
  static final class Zipf {
    private final int n;
    private final double theta;
    private final double alpha;
    private final double zetan;
    private final double eta;

    Zipf(int n, double theta) {
      this.n = n;
      this.theta = theta;
      this.zetan = zeta(n, theta);
      this.alpha = 1.0 / (1.0 - theta);
      this.eta = (1 - Math.pow(2.0 / n, 1 - theta)) / (1 - zeta(2, theta) / zetan);
    }

    private static double zeta(int n, double theta) {
      double sum = 0;
      for (int i = 1; i <= n; i++) {
        sum += 1 / Math.pow(i, theta);
      }
      return sum;
    }

    int next(SplittableRandom random) {
      double u = random.nextDouble();
      double uz = u * zetan;
      if (uz < 1.0) {
        return 0;
      }
      if (uz < 1.0 + Math.pow(0.5, theta)) {
        return 1;
      }
      return Math.min(n - 1, (int) (n * Math.pow(eta * u - eta + 1, alpha)));
    }
  }
}
