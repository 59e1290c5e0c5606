package io.shardlite.client.cli;

import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.WriteBatch;
import io.shardlite.shard.launch.LocalShardCluster;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local demo: accounts on every shard, concurrent transfers inside a shard (one replicated,
 * atomic batch each; an overdraft fails the whole batch through a CHECK constraint), then the
 * invariant check: every shard's total is unchanged, read linearizably and from every replica.
 */
final class BankDemo {
  private static final int ACCOUNTS = 10;
  private static final long OPENING = 1_000;
  private static final int CLIENTS = 16;

  private final LocalShardCluster cluster;
  private final int seconds;
  private final PrintStream out;

  BankDemo(LocalShardCluster cluster, int seconds, PrintStream out) {
    this.cluster = cluster;
    this.seconds = seconds;
    this.out = out;
  }

  boolean run() throws Exception {
    List<LocalShardCluster.Node> nodes = cluster.nodes();
    int shards = cluster.shards();
    for (int s = 0; s < shards; s++) {
      WriteBatch.Builder b = WriteBatch.newBuilder().setTxId("bank-schema-" + s)
          .addStatements(Statements.of("CREATE TABLE IF NOT EXISTS accounts(id INTEGER PRIMARY KEY,"
              + " balance INTEGER NOT NULL CHECK (balance >= 0))"));
      for (int a = 0; a < ACCOUNTS; a++) {
        b.addStatements(Statements.of("INSERT OR IGNORE INTO accounts VALUES (?, ?)", a, OPENING));
      }
      ShardNodeClient.orThrow(nodes.get(s % nodes.size()).client().write(s, b.build()));
    }
    out.printf("demo: %d shards x %d accounts, %d clients, %d s of transfers%n", shards, ACCOUNTS, CLIENTS, seconds);

    AtomicLong committed = new AtomicLong();
    AtomicLong overdrafts = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<long[]>> workers = new ArrayList<>();
    long started = System.nanoTime();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      workers.add(pool.submit(() -> {
        long[] lat = new long[1 << 20];
        int n = 0;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        ShardNodeClient node = nodes.get(client % nodes.size()).client();
        for (long i = 0; System.nanoTime() < end; i++) {
          int shard = rnd.nextInt(shards);
          int from = rnd.nextInt(ACCOUNTS);
          int to = (from + 1 + rnd.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
          long amount = 1 + rnd.nextInt(300);
          long t0 = System.nanoTime();
          ShardResult r = node.write(shard, WriteBatch.newBuilder().setTxId("t-" + client + "-" + i)
              .addStatements(Statements.of("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from))
              .addStatements(Statements.of("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to))
              .build());
          if (n < lat.length) {
            lat[n++] = System.nanoTime() - t0;
          }
          if (!r.hasError()) {
            committed.incrementAndGet();
          } else if (r.getError().getCode() == ErrorCode.CONSTRAINT_VIOLATION) {
            overdrafts.incrementAndGet();
          } else {
            errors.incrementAndGet();
          }
        }
        return Arrays.copyOf(lat, n);
      }));
    }
    List<Long> all = new ArrayList<>();
    for (Future<long[]> w : workers) {
      for (long l : w.get()) {
        all.add(l);
      }
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    pool.shutdown();
    all.sort(null);
    out.printf("demo: %d transfers committed, %d refused atomically (overdraft), %d other errors%n", committed.get(),
        overdrafts.get(), errors.get());
    out.printf("demo: %.0f tx/s, latency p50 %.2f ms, p99 %.2f ms (replicated to a majority of 3 before each ack)%n",
        (committed.get() + overdrafts.get()) / elapsed, pct(all, 0.50), pct(all, 0.99));

    boolean ok = true;
    long expected = ACCOUNTS * OPENING;
    for (int s = 0; s < shards; s++) {
      long linearizable = total(nodes.get(0).client(), s, Consistency.LINEARIZABLE);
      ok &= linearizable == expected;
      for (LocalShardCluster.Node n : nodes) {
        long replica = total(n.client(), s, Consistency.FOLLOWER);
        ok &= replica == expected || replica == -1;
      }
    }
    out.printf("demo: invariant (every shard's total stays %d on every replica): %s%n", expected, ok ? "OK" : "VIOLATED");
    return ok && errors.get() == 0;
  }

  /** The shard's total, or -1 for a replica that could not serve within the staleness bound. */
  private static long total(ShardNodeClient client, int shard, Consistency consistency) {
    ShardResult r = client.read(shard, consistency, 2_000, List.of(Statements.of("SELECT sum(balance) FROM accounts")));
    if (r.hasError()) {
      if (r.getError().getCode() == ErrorCode.UNKNOWN_SHARD || r.getError().getCode() == ErrorCode.LAG_TOO_HIGH) {
        return -1;
      }
      throw new IllegalStateException("read of shard " + shard + " failed: " + r.getError());
    }
    return r.getResults(0).getRows(0).getValues(0).getInteger();
  }

  private static double pct(List<Long> sorted, double p) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * p))) / 1e6;
  }
}
