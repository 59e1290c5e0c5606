package io.shardlite.vmaster;

import static io.shardlite.common.client.ShardliteClient.statement;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import io.shardlite.vmaster.check.ListAppendChecker.Op;
import io.shardlite.vmaster.check.ListAppendChecker.Status;
import io.shardlite.vmaster.check.ListAppendChecker.Txn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * List-append transactions over SQL: each key is a row of {@code lists(k, v)} whose {@code v} is
 * the space-separated list. Client threads run random transactions of 1-4 appends and reads and
 * record every one (ok, failed, or unknown outcome) with its client-side times, for
 * {@link io.shardlite.vmaster.check.ListAppendChecker}.
 */
final class ListAppendWorkload {
  static final String DDL = "CREATE TABLE IF NOT EXISTS lists(k TEXT PRIMARY KEY, v TEXT NOT NULL DEFAULT '')";
  static final String APPEND = "INSERT INTO lists(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = v || ' ' || excluded.v";
  static final String READ = "SELECT v FROM lists WHERE k = ?";
  /** Errors that mean the transaction was refused before anything applied. */
  private static final Set<ErrorCode> DEFINITE = Set.of(ErrorCode.SQL_ERROR, ErrorCode.CONSTRAINT_VIOLATION,
      ErrorCode.NONDETERMINISTIC, ErrorCode.MALFORMED_REQUEST, ErrorCode.FORBIDDEN_STATEMENT, ErrorCode.BATCH_TOO_LARGE);

  private final ShardliteClient client;
  private final int shards;
  final List<String> keys = new ArrayList<>();
  /** One key per shard: a transaction appending to all of them needs every shard. */
  final List<String> probeKeys = new ArrayList<>();
  final List<Txn> history = new CopyOnWriteArrayList<>();
  final Map<ErrorCode, AtomicInteger> errors = new ConcurrentHashMap<>();
  final List<String> definiteErrors = new CopyOnWriteArrayList<>();
  /** The first few unknown outcomes, with their times and messages (what CI output can explain them by). */
  final List<String> unknownSamples = new CopyOnWriteArrayList<>();
  private static final int UNKNOWN_SAMPLES = 8;
  /** Latest invocation time of a transaction that succeeded. */
  final AtomicLong lastOkInvokeNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong values = new AtomicLong();
  private final AtomicInteger ids = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  ListAppendWorkload(ShardliteClient client, int keyCount, int shards) {
    this.client = client;
    this.shards = shards;
    for (int k = 0; k < keyCount; k++) {
      keys.add("k" + k);
    }
    Map<Integer, String> byShard = new TreeMap<>();
    for (int i = 0; byShard.size() < shards; i++) {
      byShard.putIfAbsent(ShardKeys.shardOf("p" + i, shards), "p" + i);
    }
    probeKeys.addAll(byShard.values());
  }

  List<String> allKeys() {
    List<String> all = new ArrayList<>(keys);
    all.addAll(probeKeys);
    return all;
  }

  void start(int threadCount, long seed) {
    running = true;
    threads.clear();
    for (int c = 0; c < threadCount; c++) {
      Random random = new Random(seed * 1000 + c);
      threads.add(new Thread(() -> {
        while (running) {
          run(randomOps(random), 0);
        }
      }, "list-append-" + c));
    }
    threads.forEach(Thread::start);
  }

  void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(60_000);
    }
  }

  private List<Op> randomOps(Random random) {
    List<Op> ops = new ArrayList<>();
    for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
      String key = keys.get(random.nextInt(keys.size()));
      ops.add(random.nextBoolean() ? Op.append(key, values.incrementAndGet()) : Op.read(key));
    }
    return ops;
  }

  /** An append to one key on every shard. */
  Txn probe(long timeoutMillis) {
    List<Op> ops = new ArrayList<>();
    for (String key : probeKeys) {
      ops.add(Op.append(key, values.incrementAndGet()));
    }
    return run(ops, timeoutMillis);
  }

  Txn finalRead(String key) {
    return run(List.of(Op.read(key)), 0);
  }

  int shardsOf(Txn t) {
    Set<Integer> s = new HashSet<>();
    t.ops().forEach(op -> s.add(ShardKeys.shardOf(op.key(), shards)));
    return s.size();
  }

  /** Runs one transaction and records it with what its reads returned. */
  Txn run(List<Op> ops, long timeoutMillis) {
    List<TxStatement> statements = new ArrayList<>();
    for (Op op : ops) {
      statements.add(op.append() ? statement(op.key(), APPEND, op.key(), Long.toString(op.value()))
          : statement(op.key(), READ, op.key()));
    }
    ExecuteRequest.Builder request = ExecuteRequest.newBuilder().addAllStatements(statements);
    if (timeoutMillis > 0) {
      request.setTimeoutMillis(timeoutMillis);
    }
    long invoke = System.nanoTime();
    ExecuteReply r;
    try {
      r = client.execute(request.build());
    } catch (RuntimeException e) {
      // The client itself failed (e.g. closed during teardown): the outcome is unknown.
      r = ExecuteReply.newBuilder().setError(io.shardlite.proto.Error.newBuilder().setCode(ErrorCode.INTERNAL)
          .setMessage(String.valueOf(e))).build();
    }
    long complete = System.nanoTime();
    int id = ids.incrementAndGet();
    Txn txn;
    if (r.hasError()) {
      ErrorCode code = r.getError().getCode();
      errors.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
      Status status = DEFINITE.contains(code) ? Status.FAIL : Status.INFO;
      if (status == Status.FAIL) {
        definiteErrors.add("T" + id + " " + ops + ": " + r.getError());
      } else if (unknownSamples.size() < UNKNOWN_SAMPLES) {
        unknownSamples.add(String.format(Locale.ROOT, "T%d after %d ms, %d shard(s): %s %s", id,
            TimeUnit.NANOSECONDS.toMillis(complete - invoke),
            ops.stream().map(op -> ShardKeys.shardOf(op.key(), shards)).distinct().count(), code,
            r.getError().getMessage()));
      }
      txn = new Txn(id, ops.stream().map(op -> op.append() ? op : Op.read(op.key())).toList(), invoke, complete, status);
    } else {
      List<Op> observed = new ArrayList<>();
      for (int i = 0; i < ops.size(); i++) {
        Op op = ops.get(i);
        if (op.append()) {
          observed.add(op);
        } else if (r.getReplayed()) {
          // A retry of an attempt that committed: its appends happened once, what it read is unknown.
          continue;
        } else {
          var rows = r.getResults(i).getRowsList();
          String text = rows.isEmpty() ? "" : rows.get(0).getValues(0).getText();
          List<Long> list = text.isBlank() ? List.of()
              : Arrays.stream(text.trim().split(" +")).map(Long::parseLong).toList();
          observed.add(Op.read(op.key(), list));
        }
      }
      txn = new Txn(id, observed, invoke, complete, Status.OK);
      lastOkInvokeNanos.accumulateAndGet(invoke, Math::max);
    }
    history.add(txn);
    return txn;
  }
}
