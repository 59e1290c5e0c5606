package io.shardlite.vmaster;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.TxStatement;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole write path with real processes: 3 sequencer replicas, 3 shard servers, 2 virtual
 * masters. Transactions sent to either virtual master reach the owner's lane, get a global LSN,
 * commit in the shard group and read back; bad input gets typed errors and changes nothing; a
 * virtual master killed with -9 loses its shards to the other and no acknowledged write is lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VirtualMasterIT {
  private static final int SHARDS = 8;
  private static final List<String> JVM = List.of("-Xms128m", "-Xmx512m", "-XX:+UseParallelGC",
      "-XX:ParallelGCThreads=2", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");
  private static LocalSequencerCluster sequencer;
  private static LocalShardCluster shardServers;
  private static LocalVmCluster vms;
  private static ShardliteClient client;

  @BeforeAll
  static void start() throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "it-clusters", "vm-" + System.currentTimeMillis()))
        .toAbsolutePath();
    sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 3, SHARDS, List.of("--tick-ms", "200"), JVM).start();
    shardServers = new LocalShardCluster(dir.resolve("shards"), 3, SHARDS, 3, List.of(), JVM).start();
    vms = new LocalVmCluster(dir.resolve("vms"), 2, sequencer.endpoints(), shardServers.endpoints(), SHARDS,
        List.of("--lease-ms", "2000", "--heartbeat-ms", "400"), JVM).start();
    client = new ShardliteClient(vms.endpoints(), Duration.ofSeconds(30));
    ExecuteReply ddl = client.execute(List.of(
        statement("", "CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v INTEGER NOT NULL)")));
    assertThat(ddl.hasError()).as("DDL: %s", ddl.getError()).isFalse();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {vms, shardServers, sequencer}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the others
      }
    }
  }

  @Test
  @Order(1)
  void writesThroughEitherVirtualMasterReachTheOwnerAndReadBack() {
    List<CompletableFuture<ExecuteReply>> writes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      writes.add(client.executeAsync(tx(statement("a" + i, "INSERT INTO kv VALUES (?, ?)", "a" + i, i))));
    }
    List<Long> lsns = new ArrayList<>();
    for (CompletableFuture<ExecuteReply> w : writes) {
      ExecuteReply r = w.join();
      assertThat(r.hasError()).as("write: %s", r.getError()).isFalse();
      assertThat(r.getResults(0).getRowsAffected()).isEqualTo(1);
      lsns.add(r.getGlobalLsn());
    }
    assertThat(lsns).doesNotHaveDuplicates().allSatisfy(l -> assertThat(l).isPositive());
    for (int i = 0; i < 200; i += 7) {
      ExecuteReply read = client.execute(List.of(statement("a" + i, "SELECT v FROM kv WHERE k = ?", "a" + i)));
      assertThat(read.hasError()).as("read: %s", read.getError()).isFalse();
      assertThat(read.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(i);
    }
  }

  @Test
  @Order(2)
  void largeTransactionsQueuedOnOneShardNeverShareAnEntryAboveTheShardsLimit() {
    // 400 KiB each: a lane that put three of them in one entry would pass the shard servers'
    // 1 MiB entry limit and fail every one of them with BATCH_TOO_LARGE.
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < 8; i++) {
      if (ShardKeys.shardOf("big" + i, SHARDS) == 3) {
        keys.add("big" + i);
      }
    }
    String payload = "p".repeat(400 << 10);
    List<CompletableFuture<ExecuteReply>> writes = new ArrayList<>();
    for (String key : keys) {
      writes.add(client.executeAsync(tx(statement(key, "INSERT INTO kv VALUES (?, length(?))", key, payload))));
    }
    for (CompletableFuture<ExecuteReply> w : writes) {
      ExecuteReply r = w.join();
      assertThat(r.hasError()).as("large write: %s", r.getError()).isFalse();
    }
    ExecuteReply count = client.execute(List.of(statement(keys.get(0),
        "SELECT count(*) FROM kv WHERE k LIKE 'big%' AND v = ?", payload.length())));
    assertThat(count.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(keys.size());
  }

  @Test
  @Order(2)
  void theLargestTransactionAVirtualMasterAcceptsFitsInAShardEntry() {
    // Walk down from the shard servers' default --max-batch-bytes (1 MiB) to the largest transaction
    // the router accepts: that one the shards must take too, entry framing included.
    int payload = 1 << 20;
    java.util.regex.Pattern refused = java.util.regex.Pattern.compile("the transaction is (\\d+) bytes; the limit is (\\d+)");
    for (int attempt = 0; attempt < 50; attempt++) {
      ExecuteReply r = client.execute(tx(statement("edge", "INSERT INTO kv VALUES (?, length(?))", "edge",
          "e".repeat(payload))));
      java.util.regex.Matcher m = refused.matcher(r.hasError() ? r.getError().getMessage() : "");
      if (r.hasError() && r.getError().getCode() == ErrorCode.BATCH_TOO_LARGE && m.find()) {
        // Refused by the router: shrink by the excess it named, then byte by byte (a varint length).
        payload -= Math.max(1, Integer.parseInt(m.group(1)) - Integer.parseInt(m.group(2)));
        continue;
      }
      assertThat(r.hasError()).as("the largest accepted transaction (%d payload bytes): %s", payload, r.getError())
          .isFalse();
      ExecuteReply read = client.execute(List.of(statement("edge", "SELECT v FROM kv WHERE k = 'edge'")));
      assertThat(read.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(payload);
      return;
    }
    throw new AssertionError("the router refused every size down to " + payload + " payload bytes");
  }

  @Test
  @Order(2)
  void statementsWithACommonTableExpressionAreRoutedByTheirVerb() {
    // WITH ... INSERT / UPDATE writes: routed to the owner's lane (single-shard) or as a
    // multi-shard write, not to the read path (whose read-only connection would refuse it).
    ExecuteReply one = client.execute(List.of(statement("cte1",
        "WITH v(x) AS (VALUES (41)) INSERT INTO kv SELECT 'cte1', x FROM v")));
    assertThat(one.hasError()).as("WITH ... INSERT: %s", one.getError()).isFalse();
    assertThat(one.getResults(0).getRowsAffected()).isEqualTo(1);
    List<String> two = keysOnDistinctShards("cte-", 2);
    ExecuteReply multi = client.execute(List.of(
        statement(two.get(0), "WITH v(k, x) AS (VALUES (?, 1)) INSERT INTO kv SELECT k, x FROM v", two.get(0)),
        statement(two.get(1), "WITH v(k, x) AS (VALUES (?, 2)) INSERT INTO kv SELECT k, x FROM v", two.get(1))));
    assertThat(multi.hasError()).as("multi-shard WITH ... INSERT: %s", multi.getError()).isFalse();
    ExecuteReply update = client.execute(List.of(statement("cte1",
        "WITH d(n) AS (VALUES (1)) UPDATE kv SET v = v + (SELECT n FROM d) WHERE k = 'cte1'")));
    assertThat(update.hasError()).as("WITH ... UPDATE: %s", update.getError()).isFalse();
    ExecuteReply read = client.execute(List.of(statement("cte1",
        "WITH w AS (SELECT v FROM kv WHERE k = 'cte1') SELECT v FROM w")));
    assertThat(read.hasError()).as("WITH ... SELECT: %s", read.getError()).isFalse();
    assertThat(read.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(42);
  }

  @Test
  @Order(2)
  void badTransactionsGetTypedErrorsAndChangeNothing() {
    assertThat(code(client.execute(ExecuteRequest.newBuilder().build()))).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    // A failing statement rolls back the statements before it.
    assertThat(code(client.execute(List.of(statement("b1", "INSERT INTO kv VALUES ('b1', 1)"),
        statement("b1", "INSERT INTO nowhere VALUES (1)"))))).isEqualTo(ErrorCode.SQL_ERROR);
    assertThat(code(client.execute(List.of(statement("b1", "INSERT INTO kv VALUES ('b1', 1)"),
        statement("b1", "INSERT INTO kv VALUES ('b1', 2)"))))).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
    assertThat(code(client.execute(List.of(statement("b1", "INSERT INTO kv VALUES ('b1', strftime('%s', 'now', 'localtime'))")))))
        .isEqualTo(ErrorCode.NONDETERMINISTIC);
    assertThat(code(client.execute(List.of(statement("b1", "PRAGMA journal_mode=DELETE"))))).isEqualTo(ErrorCode.FORBIDDEN_STATEMENT);
    // A multi-shard transaction whose last part fails changes nothing on any shard.
    assertThat(keysOnDistinctShards("x", 4)).hasSize(4);
    List<String> xs = keysOnDistinctShards("x", 4);
    ExecuteReply atomic = client.execute(List.of(statement(xs.get(0), "INSERT INTO kv VALUES (?, 1)", xs.get(0)),
        statement(xs.get(1), "INSERT INTO kv VALUES (?, 1)", xs.get(1)),
        statement(xs.get(2), "INSERT INTO kv VALUES (?, 1)", xs.get(2)),
        statement(xs.get(3), "INSERT INTO kv VALUES (?, 1)", xs.get(3)),
        statement(xs.get(3), "INSERT INTO kv VALUES (?, 2)", xs.get(3))));
    assertThat(code(atomic)).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
    assertThat(atomic.getError().getStatementIndex()).isEqualTo(4);
    for (String x : xs) {
      assertThat(client.execute(List.of(statement(x, "SELECT count(*) FROM kv WHERE k = ?", x)))
          .getResults(0).getRows(0).getValues(0).getInteger()).as("row %s", x).isZero();
    }
    assertThat(code(client.execute(tx(statement("b1", "INSERT INTO kv VALUES (?, 1)", "x".repeat(2 << 20))))))
        .isEqualTo(ErrorCode.BATCH_TOO_LARGE);
    assertThat(code(client.execute(ExecuteRequest.newBuilder().setShard(SHARDS).addStatements(
        statement("", "SELECT 1")).build()))).isEqualTo(ErrorCode.UNKNOWN_SHARD);

    ExecuteReply none = client.execute(List.of(statement("b1", "SELECT count(*) FROM kv WHERE k = 'b1'")));
    assertThat(none.getResults(0).getRows(0).getValues(0).getInteger()).isZero();
  }

  @Test
  @Order(4)
  void multiShardTransfersKeepTheTotalInEveryConsistentRead() throws Exception {
    ExecuteReply ddl = client.execute(List.of(statement("",
        "CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))")));
    assertThat(ddl.hasError()).as("DDL: %s", ddl.getError()).isFalse();
    int accounts = 24;
    List<TxStatement> open = new ArrayList<>();
    for (int i = 0; i < accounts; i++) {
      open.add(statement("acct-" + i, "INSERT INTO accounts VALUES (?, 100)", "acct-" + i));
    }
    ExecuteReply opened = client.execute(open);
    assertThat(opened.hasError()).as("open accounts: %s", opened.getError()).isFalse();
    assertThat(opened.getGlobalLsn()).isPositive();

    // One statement per shard: a multi-shard read is one consistent cut at its LSN.
    List<TxStatement> total = new ArrayList<>();
    for (String key : keysOnDistinctShards("t", SHARDS)) {
      total.add(statement(key, "SELECT coalesce(sum(balance), 0) FROM accounts"));
    }
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Long> totals = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
      while (running.get()) {
        ExecuteReply r = client.execute(total);
        assertThat(r.hasError()).as("total read: %s", r.getError()).isFalse();
        totals.add(r.getResultsList().stream().mapToLong(x -> x.getRows(0).getValues(0).getInteger()).sum());
      }
    });
    java.util.Random random = new java.util.Random(7);
    List<CompletableFuture<ExecuteReply>> transfers = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      int from = random.nextInt(accounts);
      int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
      int amount = 1 + random.nextInt(60);
      transfers.add(client.executeAsync(tx(
          statement("acct-" + from, "UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, "acct-" + from),
          statement("acct-" + to, "UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, "acct-" + to))));
    }
    int committed = 0;
    for (CompletableFuture<ExecuteReply> t : transfers) {
      ExecuteReply r = t.get(120, TimeUnit.SECONDS);
      if (r.hasError()) {
        // Overdrafts abort the whole transfer; nothing else may fail.
        assertThat(r.getError().getCode()).as("transfer: %s", r.getError()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
      } else {
        committed++;
      }
    }
    running.set(false);
    reader.get(60, TimeUnit.SECONDS);
    assertThat(committed).isGreaterThan(30);
    assertThat(totals).isNotEmpty().allSatisfy(t -> assertThat(t).isEqualTo(100L * accounts));
    ExecuteReply end = client.execute(total);
    assertThat(end.getResultsList().stream().mapToLong(x -> x.getRows(0).getValues(0).getInteger()).sum())
        .isEqualTo(100L * accounts);
    // The coordinators timed their phases and the lanes counted their holds.
    String metrics = vms.vms().stream().map(vm -> MetricsText.scrape(vm.metricsPort())).reduce("", String::concat);
    assertThat(metrics).contains("shardlite_vm_multi_phase_seconds_count{phase=\"prepare\",}")
        .contains("shardlite_vm_lane_holds_total{end=\"resolved\",}");
  }


  @Test
  @Order(4)
  void everyAcknowledgedTransactionReadsBackAtOnce() throws Exception {
    // Writes above a speculative part are answered once the parts below them are decided COMMIT,
    // and multi-shard transactions once their decision is recorded, both before the resolutions
    // apply on the shards: a read right after the answer must still see the write.
    List<CompletableFuture<List<String>>> checks = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger acknowledged = new java.util.concurrent.atomic.AtomicInteger();
    for (int i = 0; i < 160; i++) {
      List<String> keys = i % 2 == 0 ? keysOnDistinctShards("ry" + i + "-", 2) : List.of("ry" + i);
      List<TxStatement> inserts = new ArrayList<>();
      keys.forEach(k -> inserts.add(statement(k, "INSERT INTO kv VALUES (?, ?)", k, 7)));
      checks.add(client.executeAsync(tx(inserts.toArray(TxStatement[]::new))).thenCompose(r -> {
        assertThat(r.hasError()).as("write: %s", r.getError()).isFalse();
        acknowledged.incrementAndGet();
        List<CompletableFuture<String>> reads = new ArrayList<>();
        keys.forEach(k -> reads.add(client.executeAsync(tx(statement(k, "SELECT v FROM kv WHERE k = ?", k)))
            .thenApply(read -> read.hasError() ? k + ": " + read.getError().getMessage()
                : read.getResults(0).getRowsCount() == 1 ? null : k + ": not found right after its answer")));
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
            .thenApply(v -> reads.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList());
      }));
    }
    List<String> misses = new ArrayList<>();
    for (CompletableFuture<List<String>> c : checks) {
      misses.addAll(c.get(120, TimeUnit.SECONDS));
    }
    assertThat(acknowledged.get()).isEqualTo(160);
    assertThat(misses).as("reads right after an answer").isEmpty();
  }

  @Test
  @Order(4)
  void readsThatWaitForSpeculativePartsMakeTheLaneDrainItsStack() throws Exception {
    // A linearizable single-shard read is ordered like a write: the owner's lane reads the shard
    // at the read's LSN, which needs every part below it resolved, so the lane stops stacking
    // parts until the stack drained (counted with cause "read_only_part"): a read waits for the
    // parts already there, not for the stack limit. Transfers keep parts coming on two shards
    // while one of them is read.
    List<String> keys = keysOnDistinctShards("rw", 2);
    for (String k : keys) {
      ExecuteReply r = client.execute(tx(statement(k, "INSERT INTO kv VALUES (?, 0)", k)));
      assertThat(r.hasError()).as("insert: %s", r.getError()).isFalse();
    }
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(5);
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int w = 0; w < 4; w++) {
      loops.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          ExecuteReply r = client.execute(tx(
              statement(keys.get(0), "UPDATE kv SET v = v + 1 WHERE k = ?", keys.get(0)),
              statement(keys.get(1), "UPDATE kv SET v = v + 1 WHERE k = ?", keys.get(1))));
          if (r.hasError()) {
            failures.add("transfer: " + r.getError());
          }
        }
      }, threads));
    }
    loops.add(CompletableFuture.runAsync(() -> {
      while (running.get()) {
        ExecuteReply r = client.execute(List.of(statement(keys.get(0), "SELECT v FROM kv WHERE k = ?", keys.get(0))));
        if (r.hasError()) {
          failures.add("read: " + r.getError());
        }
      }
    }, threads));
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> vms.vms().stream()
          .mapToDouble(vm -> MetricsText.value(vm.metricsPort(),
              "shardlite_vm_stack_drains_total{cause=\"read_only_part\",}"))
          .max().orElse(-1) > 0);
    } finally {
      running.set(false);
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      threads.shutdown();
    }
    assertThat(failures).as("failed transfers and reads").isEmpty();
    ExecuteReply both = client.execute(List.of(statement(keys.get(0), "SELECT v FROM kv WHERE k = ?", keys.get(0)),
        statement(keys.get(1), "SELECT v FROM kv WHERE k = ?", keys.get(1))));
    assertThat(both.getResults(0).getRows(0).getValues(0).getInteger()).as("both sides of every transfer")
        .isPositive().isEqualTo(both.getResults(1).getRows(0).getValues(0).getInteger());
  }

  @Test
  @Order(4)
  void aSingleShardReadSeesAMultiShardTransactionOrderedBeforeAnAcknowledgedWrite() throws Exception {
    // The real-time cycle a read of the shard group's applied state allowed: M (shards A and B)
    // has its LSN but its part has not reached B's log; W (shard C) gets a higher LSN and is
    // acknowledged; a read of B that starts after W's answer must see M, since M comes before W
    // in LSN order and W before the read in real time. A slow write S on B, sequenced before M,
    // holds M's part behind it (a lane proposes one entry at a time, and S's entry computes for a
    // while as it applies); writes of C go on meanwhile.
    List<String> keys = keysOnDistinctShards("rt", 3);
    String a = keys.get(0);
    String b = keys.get(1);
    String c = keys.get(2);
    String slowKey = keyOnShard("rt-slow-", ShardKeys.shardOf(b, SHARDS));
    for (String k : List.of(a, b, c, slowKey)) {
      ExecuteReply r = client.execute(tx(statement(k, "INSERT INTO kv VALUES (?, 0)", k)));
      assertThat(r.hasError()).as("insert: %s", r.getError()).isFalse();
    }
    long rows = 6_000_000;
    double lsnBeforeS = nextLsn();
    CompletableFuture<ExecuteReply> s = client.executeAsync(tx(statement(slowKey,
        "UPDATE kv SET v = (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?)"
            + " SELECT count(*) FROM n) WHERE k = ?", rows, slowKey)));
    // Nothing else runs: the next LSN the sequencer hands out is S's, and M's comes after it.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> nextLsn() > lsnBeforeS);
    long mSent = System.nanoTime();
    CompletableFuture<ExecuteReply> m = client.executeAsync(tx(
        statement(a, "UPDATE kv SET v = 1 WHERE k = ?", a),
        statement(b, "UPDATE kv SET v = 1 WHERE k = ?", b)));
    CompletableFuture<Long> mAnsweredAt = m.thenApply(r -> System.nanoTime());
    record Ack(long lsn, long atNanos) {}
    record Read(long startNanos, long value) {}
    List<Ack> writes = new ArrayList<>();
    List<Read> reads = new ArrayList<>();
    while (!m.isDone() && reads.size() < 50) {
      ExecuteReply w = client.execute(tx(statement(c, "UPDATE kv SET v = v + 1 WHERE k = ?", c)));
      assertThat(w.hasError()).as("write on C: %s", w.getError()).isFalse();
      writes.add(new Ack(w.getGlobalLsn(), System.nanoTime()));
      if (writes.size() < 3) {
        continue; // M has its LSN well before a few writes went round
      }
      long start = System.nanoTime();
      ExecuteReply r = client.execute(tx(statement(b, "SELECT v FROM kv WHERE k = ?", b)));
      assertThat(r.hasError()).as("read of B: %s", r.getError()).isFalse();
      reads.add(new Read(start, r.getResults(0).getRows(0).getValues(0).getInteger()));
    }
    ExecuteReply slow = s.get(120, TimeUnit.SECONDS);
    assertThat(slow.hasError()).as("S: %s", slow.getError()).isFalse();
    ExecuteReply done = m.get(120, TimeUnit.SECONDS);
    long mAnswered = mAnsweredAt.get(10, TimeUnit.SECONDS);
    assertThat(done.hasError()).as("M: %s", done.getError()).isFalse();
    long mLsn = done.getGlobalLsn();
    // Reads that began after a higher-LSN write was acknowledged, while M had not answered yet.
    List<Read> bound = reads.stream()
        .filter(r -> r.startNanos() < mAnswered && writes.stream().anyMatch(w -> w.lsn() > mLsn && w.atNanos() < r.startNanos()))
        .toList();
    String history = String.format("M at LSN %d answered %d ms after it was sent; writes of C (LSN@ms) %s; reads of B"
        + " (value@ms) %s", mLsn, (mAnswered - mSent) / 1_000_000,
        writes.stream().map(w -> w.lsn() + "@" + (w.atNanos() - mSent) / 1_000_000).toList(),
        reads.stream().map(r -> r.value() + "@" + (r.startNanos() - mSent) / 1_000_000).toList());
    assertThat(bound).as("reads of B that began after a write with an LSN above M's was acknowledged and before M"
        + " answered: %s", history).isNotEmpty();
    assertThat(bound).as("reads of B ordered after M: %s", history).allSatisfy(r -> assertThat(r.value()).isEqualTo(1));
  }

  @Test
  @Order(4)
  void oneShardReadsOvertakenByTheOwnersWritesReadAtTheLanesPlace() throws Exception {
    // A one-shard read sent to a virtual master that does not own the shard gets its LSN there and
    // its part travels to the owner's lane, whose own writes (LSNs from its own stream) may be
    // placed above that LSN first. The lane then reads it where it is (counted as a "late" read
    // part) instead of refusing it; such a read must still see every write acknowledged before it
    // started: writers count their acknowledged increments, readers must read at least that.
    String key = "late-reads";
    ExecuteReply seeded = client.execute(tx(statement(key, "INSERT INTO kv VALUES (?, 0)", key)));
    assertThat(seeded.hasError()).as("insert: %s", seeded.getError()).isFalse();
    String owner = seeded.getOwnerAddress();
    assertThat(vms.endpoints()).as("the owner's address").contains(owner);
    LocalVmCluster.Vm other = vms.vms().stream().filter(vm -> !vm.endpoint().equals(owner)).findFirst().orElseThrow();
    int colon = other.endpoint().lastIndexOf(':');
    io.grpc.ManagedChannel toOther = io.shardlite.common.rpc.Channels.to(other.endpoint().substring(0, colon),
        Integer.parseInt(other.endpoint().substring(colon + 1)));
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicLong acknowledged = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(12);
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    try {
      for (int w = 0; w < 2; w++) {
        loops.add(CompletableFuture.runAsync(() -> {
          while (running.get()) {
            ExecuteReply r = client.execute(tx(statement(key, "UPDATE kv SET v = v + 1 WHERE k = ?", key)));
            if (r.hasError()) {
              failures.add("write: " + r.getError());
            } else {
              acknowledged.incrementAndGet();
            }
          }
        }, threads));
      }
      var stub = io.shardlite.proto.VirtualMasterGrpc.newBlockingStub(toOther);
      for (int rd = 0; rd < 10; rd++) {
        loops.add(CompletableFuture.runAsync(() -> {
          while (running.get()) {
            long floor = acknowledged.get();
            ExecuteReply r = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .execute(tx(statement(key, "SELECT v FROM kv WHERE k = ?", key)));
            if (r.hasError()) {
              failures.add("read: " + r.getError());
            } else if (r.getResults(0).getRows(0).getValues(0).getInteger() < floor) {
              failures.add("read " + r.getResults(0).getRows(0).getValues(0).getInteger() + " after " + floor
                  + " increments were acknowledged");
            }
            reads.incrementAndGet();
          }
        }, threads));
      }
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> !failures.isEmpty()
          || MetricsText.value(vms.vm(idOf(owner)).metricsPort(), "shardlite_vm_read_parts_total{how=\"late\",}") > 0);
    } finally {
      running.set(false);
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      threads.shutdown();
      toOther.shutdownNow();
    }
    assertThat(failures).as("failed or stale reads and writes (%d reads, %d increments)", reads.get(), acknowledged.get())
        .isEmpty();
  }

  /** The id of the virtual master serving at {@code endpoint}. */
  private static String idOf(String endpoint) {
    return vms.vms().stream().filter(vm -> vm.endpoint().equals(endpoint)).findFirst().orElseThrow().id();
  }

  /**
   * Lanes pace their entries by the shard servers' CPU (the default flags): on a busy CPU a lone
   * writer, which sends nothing while it waits for its answer, never waits for a pause, and a
   * lane with many writers does pause (what arrives meanwhile joins the next entry).
   */
  @Test
  @Order(4)
  void lanesPauseBetweenEntriesOnlyOnABusyCpuWithWritersToGather() throws Exception {
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < 16; i++) {
      if (ShardKeys.shardOf("pace" + i, SHARDS) == 5) {
        keys.add("pace" + i);
      }
    }
    for (String k : keys) {
      ExecuteReply r = client.execute(tx(statement(k, "INSERT INTO kv VALUES (?, 0)", k)));
      assertThat(r.hasError()).as("insert: %s", r.getError()).isFalse();
    }
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Thread> spinners = new ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          Thread.onSpinWait(); // keeps this machine's CPU busy, as the shard servers then report
        }
      }, "cpu-spinner-" + i);
      t.setDaemon(true);
      t.start();
      spinners.add(t);
    }
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(keys.size());
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      double before = pausedEntries();
      for (int i = 0; i < 40; i++) {
        ExecuteReply r = client.execute(tx(statement(keys.get(0), "UPDATE kv SET v = v + 1 WHERE k = ?", keys.get(0))));
        assertThat(r.hasError()).as("lone write: %s", r.getError()).isFalse();
      }
      assertThat(pausedEntries()).as("pauses after a lone writer's entries").isEqualTo(before);
      for (String k : keys) {
        loops.add(CompletableFuture.runAsync(() -> {
          while (running.get()) {
            ExecuteReply r = client.execute(tx(statement(k, "UPDATE kv SET v = v + 1 WHERE k = ?", k)));
            if (r.hasError()) {
              failures.add("write: " + r.getError());
            }
          }
        }, threads));
      }
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> pausedEntries() > before);
    } finally {
      running.set(false);
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      threads.shutdown();
      for (Thread t : spinners) {
        t.join(5_000);
      }
    }
    assertThat(failures).as("failed writes").isEmpty();
  }

  /** Lane entries followed by a pause, over both virtual masters. */
  private static double pausedEntries() {
    return vms.vms().stream().mapToDouble(vm -> Math.max(0, MetricsText.value(vm.metricsPort(),
        "shardlite_vm_lane_pacing_total{verdict=\"pause\",}"))).sum();
  }

  @Test
  @Order(3)
  void clientsThatGiveUpOrDisconnectNeverLeaveHalfATransaction() throws Exception {
    List<String> keys = keysOnDistinctShards("d", 2);
    io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forTarget(vms.endpoints().get(0)).usePlaintext().build();
    try {
      int pairs = 20;
      for (int i = 0; i < pairs; i++) {
        ExecuteRequest tx = tx(statement(keys.get(0), "INSERT INTO kv VALUES (?, ?)", "d0-" + i, i),
            statement(keys.get(1), "INSERT INTO kv VALUES (?, ?)", "d1-" + i, i));
        try {
          // The client's deadline (and so the call) ends after a few ms: a disconnect mid-transaction.
          io.shardlite.proto.VirtualMasterGrpc.newBlockingStub(channel)
              .withDeadlineAfter(1 + i % 5, TimeUnit.MILLISECONDS).execute(tx);
        } catch (io.grpc.StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isIn(io.grpc.Status.Code.DEADLINE_EXCEEDED, io.grpc.Status.Code.CANCELLED);
        }
        // A server-side deadline that expires: a typed, retryable error.
        ExecuteReply late = client.execute(tx(statement(keys.get(0), "INSERT INTO kv VALUES (?, ?)", "e0-" + i, i),
            statement(keys.get(1), "INSERT INTO kv VALUES (?, ?)", "e1-" + i, i)).toBuilder().setTimeoutMillis(1).build());
        if (late.hasError()) {
          assertThat(late.getError().getRetryable()).as("expired: %s", late.getError()).isTrue();
        }
      }
      // A client that cancels its stream with transactions in flight (a disconnect of a shared stream).
      java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
      io.grpc.stub.StreamObserver<ExecuteRequest> stream = io.shardlite.proto.VirtualMasterGrpc.newStub(channel)
          .executeStream(new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(ExecuteReply reply) {}

            @Override
            public void onError(Throwable t) {
              ended.countDown();
            }

            @Override
            public void onCompleted() {
              ended.countDown();
            }
          });
      for (int i = 0; i < pairs; i++) {
        stream.onNext(tx(statement(keys.get(0), "INSERT INTO kv VALUES (?, ?)", "s0-" + i, i),
            statement(keys.get(1), "INSERT INTO kv VALUES (?, ?)", "s1-" + i, i)).toBuilder().setCallId(i + 1).build());
      }
      stream.onError(io.grpc.Status.CANCELLED.withDescription("the client goes away").asRuntimeException());
      assertThat(ended.await(10, TimeUnit.SECONDS)).as("the cancelled stream ended").isTrue();
      // Each pair is in one multi-shard read (one consistent cut): both rows or neither.
      for (String prefix : List.of("d", "e", "s")) {
        ExecuteReply both = client.execute(List.of(
            statement(keys.get(0), "SELECT group_concat(v) FROM (SELECT v FROM kv WHERE k LIKE ? ORDER BY v)", prefix + "0-%"),
            statement(keys.get(1), "SELECT group_concat(v) FROM (SELECT v FROM kv WHERE k LIKE ? ORDER BY v)", prefix + "1-%")));
        assertThat(both.hasError()).as("read: %s", both.getError()).isFalse();
        assertThat(both.getResults(0).getRows(0).getValues(0))
            .as("pairs %s*", prefix).isEqualTo(both.getResults(1).getRows(0).getValues(0));
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /** {@code n} keys with this prefix that map to n different shards. */
  private static List<String> keysOnDistinctShards(String prefix, int n) {
    java.util.Map<Integer, String> byShard = new java.util.TreeMap<>();
    for (int i = 0; byShard.size() < n && i < 10_000; i++) {
      byShard.putIfAbsent(io.shardlite.common.routing.ShardKeys.shardOf(prefix + i, SHARDS), prefix + i);
    }
    return new ArrayList<>(byShard.values());
  }

  @Test
  @Order(5)
  void killingAVirtualMasterMovesItsShardsAndLosesNoAcknowledgedWrite() throws Exception {
    List<CompletableFuture<ExecuteReply>> writes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      writes.add(client.executeAsync(tx(statement("c" + i, "INSERT INTO kv VALUES (?, ?)", "c" + i, i))));
      if (i == 100) {
        writes.get(50).get(60, TimeUnit.SECONDS);
        vms.kill9("vm2");
      }
    }
    List<String> acknowledged = new ArrayList<>();
    List<ExecuteReply> failed = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      ExecuteReply r = writes.get(i).get(90, TimeUnit.SECONDS);
      if (r.hasError()) {
        failed.add(r);
      } else {
        acknowledged.add("c" + i);
      }
    }
    // Retries go to the surviving virtual master, which takes over the shards once the lease ends.
    assertThat(failed).as("failed transactions").isEmpty();
    for (String key : acknowledged) {
      ExecuteReply read = client.execute(List.of(statement(key, "SELECT count(*) FROM kv WHERE k = ?", key)));
      assertThat(read.hasError()).as("read %s: %s", key, read.getError()).isFalse();
      assertThat(read.getResults(0).getRows(0).getValues(0).getInteger()).as("row %s", key).isEqualTo(1);
    }
  }

  /**
   * A newer owner's claim (made here straight on the shard group, as a successor the sequencer
   * chose would) fences the current owner's lane: its single-shard writes and its part of a
   * multi-shard transaction fail retryably (never as a bare STALE_EPOCH the client cannot act on),
   * and the other shard of the multi-shard transaction is unchanged. Runs last: the fenced shard
   * has no working owner afterwards.
   */
  @Test
  @Order(6)
  void aLaneFencedByANewerOwnerFailsItsWorkRetryablyAndChangesNothing() {
    String fencedKey = keyOnShard("f", 0);
    String otherKey = keyOnShard("g", 1);
    ExecuteReply seeded = client.execute(tx(statement(otherKey, "INSERT INTO kv VALUES (?, 1)", otherKey)));
    assertThat(seeded.hasError()).as("%s", seeded.getError()).isFalse();
    ShardResult claimed = shardServers.nodes().get(0).client().claim(0, 1_000_000, "newer-owner");
    assertThat(claimed.hasError()).as("%s", claimed.getError()).isFalse();

    // The multi-shard transaction first, while the lane does not know yet: its prepare is fenced.
    ExecuteReply multi = client.execute(tx(
        statement(otherKey, "UPDATE kv SET v = v + 1 WHERE k = ?", otherKey),
        statement(fencedKey, "INSERT INTO kv VALUES (?, 1)", fencedKey)).toBuilder().setTimeoutMillis(3_000).build());
    ExecuteReply single = client.execute(tx(statement(fencedKey, "INSERT INTO kv VALUES (?, 1)", fencedKey)).toBuilder()
        .setTimeoutMillis(3_000).build());
    for (ExecuteReply r : List.of(multi, single)) {
      assertThat(r.hasError()).isTrue();
      assertThat(r.getError().getRetryable() || r.getError().getCode() == ErrorCode.TIMEOUT)
          .as("retryable: %s", r.getError()).isTrue();
    }
    ExecuteReply other = client.execute(List.of(statement(otherKey, "SELECT v FROM kv WHERE k = ?", otherKey)));
    assertThat(other.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(1);
    // The routers repeated the retryable failures themselves until the deadline, and counted them.
    double retries = vms.vms().stream().filter(LocalVmCluster.Vm::isAlive)
        .flatMap(vm -> MetricsText.scrape(vm.metricsPort()).lines())
        .filter(l -> l.startsWith("shardlite_vm_retries_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertThat(retries).as("attempts repeated by the routers").isPositive();
  }

  /** The sequencer's next LSN, as its most advanced replica applied it. */
  private static double nextLsn() {
    return sequencer.replicas().stream()
        .mapToDouble(r -> MetricsText.value(r.metricsPort(), "shardlite_sequencer_next_lsn")).max().orElse(-1);
  }

  private static String keyOnShard(String prefix, int shard) {
    for (int i = 0; ; i++) {
      if (ShardKeys.shardOf(prefix + i, SHARDS) == shard) {
        return prefix + i;
      }
    }
  }

  private static ExecuteRequest tx(TxStatement... statements) {
    return ExecuteRequest.newBuilder().addAllStatements(List.of(statements)).build();
  }

  private static ErrorCode code(ExecuteReply reply) {
    return reply.hasError() ? reply.getError().getCode() : ErrorCode.ERROR_CODE_UNSPECIFIED;
  }
}
