package io.shardlite.vmaster;

import static io.shardlite.common.client.ShardliteClient.statement;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.TxStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bank transfers between accounts on (mostly) different shards, each with a ledger row, plus
 * multi-shard reads of the total. Records what was acknowledged, so a test can check that the
 * total never changed in any read and that every acknowledged transfer is in the ledger.
 */
final class BankWorkload {
  static final int INITIAL = 100;

  private final int accounts;
  private final int shards;
  final AtomicReference<ShardliteClient> client;
  final Map<String, int[]> acknowledged = new ConcurrentHashMap<>();
  final List<Long> totals = new CopyOnWriteArrayList<>();
  final List<String> unexpected = new CopyOnWriteArrayList<>();
  final AtomicLong lastSuccessNanos = new AtomicLong(System.nanoTime());
  final AtomicLong unknown = new AtomicLong();
  /** The first few unknown outcomes by transfer id: when, how long the call took, the error (what CI output can explain them by). */
  final Map<String, String> unknownSamples = new ConcurrentHashMap<>();
  private static final int UNKNOWN_SAMPLES = 10;
  private final long startNanos = System.nanoTime();
  final AtomicLong refused = new AtomicLong();
  private volatile boolean running = true;
  private final List<Thread> threads = new ArrayList<>();

  BankWorkload(ShardliteClient client, int accounts, int shards) {
    this.client = new AtomicReference<>(client);
    this.accounts = accounts;
    this.shards = shards;
  }

  static String account(int i) {
    return "acct-" + i;
  }

  /** One key per shard, so a statement per key reads every shard in one transaction. */
  List<String> keyPerShard() {
    Map<Integer, String> byShard = new TreeMap<>();
    for (int i = 0; byShard.size() < shards; i++) {
      byShard.putIfAbsent(ShardKeys.shardOf("cut-" + i, shards), "cut-" + i);
    }
    return new ArrayList<>(byShard.values());
  }

  void setUp() {
    ExecuteReply ddl = client.get().execute(List.of(
        statement("", "CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))"),
        statement("", "CREATE TABLE IF NOT EXISTS ledger(id TEXT PRIMARY KEY, src TEXT, dst TEXT, amount INTEGER)")));
    check(ddl, "schema");
    List<TxStatement> open = new ArrayList<>();
    for (int i = 0; i < accounts; i++) {
      open.add(statement(account(i), "INSERT INTO accounts VALUES (?, ?)", account(i), INITIAL));
    }
    check(client.get().execute(open), "open accounts");
  }

  void start(int transferThreads) {
    for (int t = 0; t < transferThreads; t++) {
      int id = t;
      threads.add(new Thread(() -> transfers(id), "bank-" + t));
    }
    threads.add(new Thread(this::reads, "bank-reader"));
    threads.forEach(Thread::start);
  }

  void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(120_000);
    }
  }

  private void transfers(int thread) {
    Random random = new Random(thread * 7919L);
    for (long n = 0; running; n++) {
      int from = random.nextInt(accounts);
      int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
      int amount = 1 + random.nextInt(40);
      String id = "t" + thread + "-" + n;
      long invoked = System.nanoTime();
      ExecuteReply r = client.get().execute(List.of(
          statement(account(from), "UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, account(from)),
          statement(account(to), "UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, account(to)),
          statement(account(from), "INSERT INTO ledger VALUES (?, ?, ?, ?)", id, account(from), account(to), amount)));
      if (!r.hasError()) {
        acknowledged.put(id, new int[] {from, to, amount});
        lastSuccessNanos.set(System.nanoTime());
      } else if (r.getError().getCode() == ErrorCode.CONSTRAINT_VIOLATION) {
        refused.incrementAndGet();
      } else if (r.getError().getRetryable() || r.getError().getCode() == ErrorCode.TIMEOUT) {
        unknown.incrementAndGet();
        if (unknownSamples.size() < UNKNOWN_SAMPLES) {
          long now = System.nanoTime();
          unknownSamples.put(id, String.format(Locale.ROOT, "shards %d -> %d, sent %.1f s into the run, answered after %d ms: %s %s",
              ShardKeys.shardOf(account(from), shards), ShardKeys.shardOf(account(to), shards),
              (invoked - startNanos) / 1e9, TimeUnit.NANOSECONDS.toMillis(now - invoked),
              r.getError().getCode(), r.getError().getMessage()));
        }
      } else {
        unexpected.add(id + ": " + r.getError());
      }
    }
  }

  private void reads() {
    List<TxStatement> total = new ArrayList<>();
    for (String key : keyPerShard()) {
      total.add(statement(key, "SELECT coalesce(sum(balance), 0) FROM accounts"));
    }
    while (running) {
      ExecuteReply r = client.get().execute(total);
      if (!r.hasError()) {
        totals.add(r.getResultsList().stream().mapToLong(x -> x.getRows(0).getValues(0).getInteger()).sum());
      }
    }
  }

  /** Balances and ledger, read in one multi-shard transaction. */
  record Snapshot(Map<String, Long> balances, Map<String, int[]> ledger) {}

  Snapshot snapshot() {
    List<TxStatement> read = new ArrayList<>();
    for (String key : keyPerShard()) {
      read.add(statement(key, "SELECT id, balance FROM accounts"));
      read.add(statement(key, "SELECT id, src, dst, amount FROM ledger"));
    }
    ExecuteReply r = client.get().execute(read);
    check(r, "snapshot");
    Map<String, Long> balances = new HashMap<>();
    Map<String, int[]> ledger = new HashMap<>();
    for (int i = 0; i < r.getResultsCount(); i += 2) {
      for (Row row : r.getResults(i).getRowsList()) {
        balances.put(row.getValues(0).getText(), row.getValues(1).getInteger());
      }
      StatementResult l = r.getResults(i + 1);
      for (Row row : l.getRowsList()) {
        ledger.put(row.getValues(0).getText(), new int[] {index(row.getValues(1).getText()),
            index(row.getValues(2).getText()), (int) row.getValues(3).getInteger()});
      }
    }
    return new Snapshot(balances, ledger);
  }

  private static int index(String account) {
    return Integer.parseInt(account.substring("acct-".length()));
  }

  private static void check(ExecuteReply r, String what) {
    if (r.hasError()) {
      throw new AssertionError(what + " failed: " + r.getError());
    }
  }
}
