package io.shardlite.vmaster;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.TxStatement;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.check.ListAppendChecker;
import io.shardlite.vmaster.check.ListAppendChecker.Op;
import io.shardlite.vmaster.check.ListAppendChecker.Status;
import io.shardlite.vmaster.check.ListAppendChecker.Txn;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * List-append histories checked for Elle's anomaly classes (G0, G1a/b/c, G2, real-time, lost
 * acknowledged appends), from concurrent clients through both virtual masters, with transactions
 * on one or several shards, clean and across kill -9 of a virtual master and of a shard server.
 */
class ListAppendIT {
  private static final int SHARDS = 8;
  private static final int KEYS = 20;
  private static final int CLIENTS = 6;
  private static final List<String> JVM = List.of("-Xms128m", "-Xmx512m", "-XX:+UseParallelGC",
      "-XX:ParallelGCThreads=2", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

  private final List<Txn> history = new CopyOnWriteArrayList<>();
  private final AtomicLong values = new AtomicLong();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile boolean running = true;

  @Test
  void historiesHaveNoAnomalyCleanAndUnderFaults() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "it-clusters", "elle-" + System.currentTimeMillis()))
        .toAbsolutePath();
    try (LocalSequencerCluster sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 3, SHARDS,
            List.of("--tick-ms", "200"), JVM).start();
        LocalShardCluster shardServers = new LocalShardCluster(dir.resolve("shards"), 3, SHARDS, 3,
            List.of("--request-timeout-ms", "5000"), JVM).start();
        LocalVmCluster vms = new LocalVmCluster(dir.resolve("vms"), 2, sequencer.endpoints(), shardServers.endpoints(),
            SHARDS, List.of("--lease-ms", "2000", "--heartbeat-ms", "400"), JVM).start();
        ShardliteClient client = new ShardliteClient(vms.endpoints(), Duration.ofSeconds(20))) {
      ExecuteReply ddl = client.execute(List.of(statement("",
          "CREATE TABLE IF NOT EXISTS lists(k TEXT PRIMARY KEY, v TEXT NOT NULL DEFAULT '')")));
      assertThat(ddl.hasError()).as("DDL: %s", ddl.getError()).isFalse();

      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int seed = c;
        clients.add(new Thread(() -> work(client, new Random(seed)), "elle-" + c));
      }
      clients.forEach(Thread::start);
      awaitTxns(500);
      int clean = history.size();
      vms.kill9("vm2");
      awaitTxns(clean + 200);
      vms.restart("vm2");
      shardServers.kill9("s2");
      awaitTxns(clean + 400);
      shardServers.restart("s2");
      awaitTxns(clean + 600);
      running = false;
      for (Thread t : clients) {
        t.join(60_000);
      }
      // Final reads of every key, after everything else: they fix each key's version order.
      for (int k = 0; k < KEYS; k++) {
        run(client, List.of(Op.read("k" + k, List.of())));
      }

      List<String> anomalies = ListAppendChecker.check(history);
      long ok = history.stream().filter(t -> t.status() == Status.OK).count();
      long info = history.stream().filter(t -> t.status() == Status.INFO).count();
      System.out.printf("list-append: %d transactions (%d clean), %d ok, %d unknown outcome; anomalies: %s%n",
          history.size(), clean, ok, info, anomalies);
      assertThat(anomalies).isEmpty();
      assertThat(ok).isGreaterThan(1000);
    }
  }

  private void awaitTxns(int n) {
    await().atMost(Duration.ofSeconds(120)).until(() -> history.size() >= n);
  }

  private void work(ShardliteClient client, Random random) {
    while (running) {
      List<Op> ops = new ArrayList<>();
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        String key = "k" + random.nextInt(KEYS);
        ops.add(random.nextBoolean() ? Op.append(key, values.incrementAndGet()) : Op.read(key, List.of()));
      }
      run(client, ops);
    }
  }

  /** Runs one transaction and records it with what its reads returned. */
  private void run(ShardliteClient client, List<Op> ops) {
    List<TxStatement> statements = new ArrayList<>();
    for (Op op : ops) {
      statements.add(op.append()
          ? statement(op.key(), "INSERT INTO lists(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = v || ' ' || excluded.v",
              op.key(), Long.toString(op.value()))
          : statement(op.key(), "SELECT v FROM lists WHERE k = ?", op.key()));
    }
    long invoke = System.nanoTime();
    ExecuteReply r = client.execute(statements);
    long complete = System.nanoTime();
    int id = ids.incrementAndGet();
    if (r.hasError()) {
      // Timeouts and unavailability leave the outcome unknown, whatever the retry advice.
      var code = r.getError().getCode();
      Status status = r.getError().getRetryable() || code == io.shardlite.proto.ErrorCode.TIMEOUT
          || code == io.shardlite.proto.ErrorCode.UNAVAILABLE ? Status.INFO : Status.FAIL;
      history.add(new Txn(id, ops, invoke, complete, status));
      return;
    }
    List<Op> observed = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (op.append()) {
        observed.add(op);
      } else {
        var rows = r.getResults(i).getRowsList();
        String text = rows.isEmpty() ? "" : rows.get(0).getValues(0).getText();
        List<Long> list = text.isBlank() ? List.of()
            : Arrays.stream(text.trim().split(" ")).map(Long::parseLong).toList();
        observed.add(Op.read(op.key(), list));
      }
    }
    history.add(new Txn(id, observed, invoke, complete, Status.OK));
  }
}
