package io.shardlite.vmaster;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.check.ListAppendChecker;
import io.shardlite.vmaster.check.ListAppendChecker.Anomaly;
import io.shardlite.vmaster.check.ListAppendChecker.Status;
import io.shardlite.vmaster.check.ListAppendChecker.Txn;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * List-append histories checked for Elle's anomaly classes (G0, G1a/b/c, G2, real-time, lost
 * acknowledged appends) with real processes: 3 sequencer replicas, 3 shard servers hosting 8
 * shards, 2 virtual masters. Concurrent clients run transactions of 1-4 appends and reads over
 * 30 keys (most touch several shards). First a clean phase, checked on its own; then a fault
 * phase with kill -9 of a virtual master, of a shard server and of the sequencer leader (each
 * restarted later), checked together with the clean phase. After each fault the time until
 * service is back is measured: until a workload transaction invoked after the fault succeeds,
 * and until a probe transaction appending on every shard succeeds.
 *
 * <p>The two virtual masters differ: vm2 stacks speculative multi-shard parts (the default,
 * {@code --speculative-parts 64}) and pauses its lanes after every entry ({@code --entry-gap-ms 2}
 * whatever the CPU, however many writes wait and however few the entry carried), vm1 holds each shard for a prepared part
 * ({@code 0}) and paces its entries by default (it pauses only while the shard servers report a
 * busy CPU). The fault
 * phase kills vm2, so vm1 resolves the speculative parts it left, and vm2's shards come back to it
 * from vm1 after its restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ListAppendIT {
  private static final int SHARDS = 8;
  private static final int KEYS = 30;
  private static final int CLIENTS = 8;
  private static final int CLEAN_TXNS = Integer.getInteger("listappend.clean", 1500);
  private static final int FAULT_TXNS = Integer.getInteger("listappend.faults", 1500);
  /** Time bounds of the phases, so the test stays within a few minutes on a busy machine. */
  private static final Duration CLEAN_BUDGET = Duration.ofSeconds(Integer.getInteger("listappend.cleanSeconds", 40));
  private static final Duration FAULT_BUDGET = Duration.ofSeconds(Integer.getInteger("listappend.faultSeconds", 60));
  /** Committed transactions each phase must have, at least, for its check to mean something. */
  private static final int MIN_TXNS = 100;
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(30);
  private static final String RESENT = "shardlite_vm_shard_calls_resent_total";
  private static final List<String> JVM = List.of("-Xms128m", "-Xmx512m", "-XX:+UseParallelGC",
      "-XX:ParallelGCThreads=2", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

  private static Path dir;
  private static LocalSequencerCluster sequencer;
  private static LocalShardCluster shardServers;
  private static LocalVmCluster vms;
  private static ShardliteClient client;
  private static ListAppendWorkload workload;
  private static int cleanEnd = -1;

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createDirectories(Path.of("target", "it-clusters", "list-append-" + System.currentTimeMillis()))
        .toAbsolutePath();
    sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 3, SHARDS,
        List.of("--tick-ms", "200", "--tx-timeout-ms", "5000"), JVM).start();
    shardServers = new LocalShardCluster(dir.resolve("shards"), 3, SHARDS, 3,
        List.of("--request-timeout-ms", "5000"), JVM).start();
    vms = new LocalVmCluster(dir.resolve("vms"), 2, sequencer.endpoints(), shardServers.endpoints(), SHARDS,
        List.of("--lease-ms", "2000", "--heartbeat-ms", "400"), JVM)
        .withArgs("vm1", List.of("--speculative-parts", "0"))
        .withArgs("vm2", List.of("--entry-gap-ms", "2", "--busy-cpu-percent", "0", "--entry-fill", "1000000",
            "--entry-min-items", "1")).start();
    client = new ShardliteClient(vms.endpoints(), Duration.ofSeconds(10));
    ExecuteReply ddl = client.execute(List.of(statement("", ListAppendWorkload.DDL)));
    assertThat(ddl.hasError()).as("DDL: %s", ddl.getError()).isFalse();
    workload = new ListAppendWorkload(client, KEYS, SHARDS);
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
  void aCleanHistoryHasNoAnomaly() throws Exception {
    long start = System.nanoTime();
    workload.start(CLIENTS, 1);
    progress(CLEAN_TXNS, CLEAN_BUDGET);
    workload.stop();
    finalReads();
    cleanEnd = workload.history.size();
    List<Txn> history = List.copyOf(workload.history);
    report("clean", history, start, Map.of());
    int vm2Metrics = vms.vms().get(1).metricsPort();
    double bottom = MetricsText.value(vm2Metrics, "shardlite_vm_speculative_parts_total{event=\"bottom\",}");
    double stacked = MetricsText.value(vm2Metrics, "shardlite_vm_speculative_parts_total{event=\"stacked\",}");
    double gaps = MetricsText.value(vm2Metrics, "shardlite_vm_lane_pacing_total{verdict=\"pause\",}");
    double readItems = MetricsText.value(vm2Metrics, "shardlite_vm_read_parts_total{how=\"entry\",}");
    System.out.printf("list-append clean: vm2 prepared %.0f speculative parts on empty stacks and %.0f on top of"
        + " others, read %.0f read-only parts in its entries, and paused %.0f times between entries%n",
        Math.max(0, bottom), Math.max(0, stacked), Math.max(0, readItems), gaps);
    // The checker below judges the reads served at their places in the shards' logs too.
    assertThat(readItems).as("read-only multi-shard parts read in vm2's entries").isPositive();
    List<Anomaly> anomalies = ListAppendChecker.check(history);
    explain("clean", history, anomalies);
    assertThat(anomalies).as("anomalies of the clean history (see %s)", dir).isEmpty();
    assertThat(bottom).as("speculative parts prepared by vm2").isPositive();
    assertThat(gaps).as("entries of vm2's lanes followed by a pause").isPositive();
    assertThat(history.stream().filter(t -> t.status() == Status.OK).count()).as("committed transactions")
        .isGreaterThan(MIN_TXNS);
    assertThat(workload.definiteErrors).as("definite (non-retryable) errors").isEmpty();
  }

  @Test
  @Order(2)
  void historiesAcrossKill9OfAVirtualMasterAShardServerAndTheSequencerLeaderHaveNoAnomaly() throws Exception {
    assertThat(cleanEnd).as("the clean phase ran").isPositive();
    long start = System.nanoTime();
    int base = workload.history.size();
    // Steps of FAULT_TXNS / 7 transactions each, or of a few seconds when the machine is slow;
    // restarts and recoveries come on top, the last step fills up FAULT_BUDGET.
    int step = FAULT_TXNS / 7;
    Duration stepTime = FAULT_BUDGET.dividedBy(12);
    Map<String, long[]> recovery = new LinkedHashMap<>();
    workload.start(CLIENTS, 2);

    progress(step, stepTime);
    recovery.put("kill -9 virtual master vm2", fault(() -> vms.kill9("vm2")));
    progress(step, stepTime);
    vms.restart("vm2");

    progress(step, stepTime);
    recovery.put("kill -9 shard server s2", fault(() -> shardServers.kill9("s2")));
    progress(step, stepTime);
    shardServers.restart("s2");

    progress(step, stepTime);
    LocalSequencerCluster.Replica leader = await().atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(100))
        .until(() -> sequencerLeader(sequencer), Optional::isPresent).orElseThrow();
    recovery.put("kill -9 sequencer leader " + leader.id(), fault(() -> sequencer.kill9(leader.id())));
    progress(step, stepTime);
    sequencer.restart(leader.id());

    Duration left = FAULT_BUDGET.minusNanos(System.nanoTime() - start);
    progress(base + FAULT_TXNS - workload.history.size(), left.compareTo(stepTime) > 0 ? left : stepTime);
    workload.stop();
    finalReads();

    List<Txn> history = List.copyOf(workload.history);
    Map<String, String> times = new LinkedHashMap<>();
    recovery.forEach((fault, ms) -> times.put(fault, "first success " + ms[0] + " ms, every shard " + ms[1] + " ms"));
    report("faults", history.subList(base, history.size()), start, times);
    System.out.printf("list-append faults: calls to shard servers resent to a new leader: vm1 %.0f, vm2 %.0f (since its"
        + " restart)%n", Math.max(0, MetricsText.value(vms.vms().get(0).metricsPort(), RESENT)),
        Math.max(0, MetricsText.value(vms.vms().get(1).metricsPort(), RESENT)));
    List<Anomaly> anomalies = ListAppendChecker.check(history);
    explain("clean + faults", history, anomalies);
    assertThat(anomalies).as("anomalies of the whole history (see %s)", dir).isEmpty();
    assertThat(recovery).allSatisfy((fault, ms) -> {
      assertThat(ms[0]).as("%s: ms until a transaction invoked after it succeeded", fault)
          .isLessThan(RECOVERY_BOUND.toMillis());
      assertThat(ms[1]).as("%s: ms until a transaction on every shard succeeded", fault)
          .isLessThan(RECOVERY_BOUND.toMillis());
    });
    assertThat(history.subList(base, history.size()).stream().filter(t -> t.status() == Status.OK).count())
        .as("committed transactions").isGreaterThan(MIN_TXNS);
    assertThat(workload.definiteErrors).as("definite (non-retryable) errors").isEmpty();
  }

  /**
   * Runs a fault, then measures (ms) until a workload transaction invoked after it succeeds and
   * until a probe appending on every shard succeeds (probes retried with a short deadline).
   */
  private static long[] fault(Runnable fault) {
    long at = System.nanoTime();
    fault.run();
    Txn probe = await().atMost(RECOVERY_BOUND.plusSeconds(30)).pollInterval(Duration.ZERO)
        .until(() -> workload.probe(3000), t -> t.status() == Status.OK);
    long everyShard = TimeUnit.NANOSECONDS.toMillis(probe.completeNanos() - at);
    await().atMost(RECOVERY_BOUND.plusSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> workload.lastOkInvokeNanos.get() > at);
    long first = workload.history.stream().filter(t -> t.status() == Status.OK && t.invokeNanos() > at)
        .mapToLong(Txn::completeNanos).min().orElseThrow();
    return new long[] {TimeUnit.NANOSECONDS.toMillis(first - at), everyShard};
  }

  /**
   * Lets the workload run until it recorded {@code txns} more transactions or {@code within}
   * elapsed, whichever comes first (a pacing step: the machine may be shared and slow).
   */
  private static void progress(int txns, Duration within) {
    int target = workload.history.size() + txns;
    try {
      await().atMost(within).pollInterval(Duration.ofMillis(50)).until(() -> workload.history.size() >= target);
    } catch (ConditionTimeoutException e) {
      // Time-bounded step: move on with fewer transactions.
    }
  }

  /** One read of every key after the workload stopped: these fix each key's final version order. */
  private static void finalReads() {
    for (String key : workload.allKeys()) {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ZERO)
          .until(() -> workload.finalRead(key), t -> t.status() == Status.OK);
    }
  }

  private static void report(String phase, List<Txn> txns, long startNanos, Map<String, String> recovery) {
    long ok = txns.stream().filter(t -> t.status() == Status.OK).count();
    long info = txns.stream().filter(t -> t.status() == Status.INFO).count();
    long failed = txns.stream().filter(t -> t.status() == Status.FAIL).count();
    long multi = txns.stream().filter(t -> workload.shardsOf(t) > 1).count();
    long appends = txns.stream().filter(t -> t.status() == Status.OK).mapToLong(t -> t.ops().stream()
        .filter(ListAppendChecker.Op::append).count()).sum();
    List<ListAppendChecker.Op> reads = txns.stream().filter(t -> t.status() == Status.OK)
        .flatMap(t -> t.ops().stream().filter(op -> !op.append())).toList();
    long nonEmpty = reads.stream().filter(op -> !op.read().isEmpty()).count();
    int longest = reads.stream().mapToInt(op -> op.read().size()).max().orElse(0);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf("list-append %s: %d transactions in %.1f s (%.0f/s), %d ok, %d unknown outcome, %d failed, "
            + "%d multi-shard, %d acknowledged appends, %d reads (%d non-empty, longest list %d); errors by code so far: %s%s%n",
        phase, txns.size(), seconds, txns.size() / seconds, ok, info, failed, multi, appends, reads.size(), nonEmpty,
        longest, workload.errors,
        recovery.isEmpty() ? "" : "; recovery: " + recovery);
    workload.unknownSamples.forEach(sample -> System.out.println("list-append " + phase + " unknown outcome: " + sample));
    workload.unknownSamples.clear(); // the next phase samples its own
  }

  /** Prints anomalies with the transactions involved and writes the whole history next to the logs. */
  private static void explain(String phase, List<Txn> history, List<Anomaly> anomalies) throws IOException {
    Path file = dir.resolve("history-" + phase.replace(' ', '_').replace("+", "and") + ".txt");
    Files.write(file, history.stream().map(Txn::toString).toList());
    if (anomalies.isEmpty()) {
      System.out.printf("list-append %s: checker found no anomaly in %d transactions%n", phase, history.size());
      return;
    }
    System.out.printf("list-append %s: %d anomalies (history in %s, logs under %s):%n", phase, anomalies.size(), file, dir);
    for (Anomaly a : anomalies.stream().limit(20).toList()) {
      System.out.println("  " + a);
      System.out.println("    " + ListAppendChecker.involved(history, a).stream().map(Txn::toString)
          .collect(Collectors.joining("\n    ")));
    }
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** The sequencer replica whose metrics say it leads (as SequencerProbe does in sequencer-pod). */
  private static Optional<LocalSequencerCluster.Replica> sequencerLeader(LocalSequencerCluster cluster) {
    List<LocalSequencerCluster.Replica> leaders = new ArrayList<>();
    for (LocalSequencerCluster.Replica r : cluster.replicas()) {
      if (r.isAlive() && metric(r.metricsPort(), "shardlite_sequencer_leader") == 1.0) {
        leaders.add(r);
      }
    }
    return leaders.stream().findFirst();
  }

  private static double metric(int port, String name) {
    try {
      String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String line : body.split("\n")) {
        if (line.startsWith(name + " ")) {
          return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
      }
      return -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
