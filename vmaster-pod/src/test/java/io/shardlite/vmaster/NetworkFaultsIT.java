package io.shardlite.vmaster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.launch.FaultProxy;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Network faults injected by TCP proxies between the virtual masters and the processes they call:
 * delay on one shard server, a partition from one shard server, a partition from the sequencer
 * replicas (all at once, then healed). Bank transfers keep going or resume; the total never
 * changes in any consistent read and every acknowledged transfer is in the ledger.
 */
class NetworkFaultsIT {
  private static final int SHARDS = 8;
  private static final int ACCOUNTS = 24;
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(30);
  private static final List<String> JVM = List.of("-Xms128m", "-Xmx512m", "-XX:+UseParallelGC",
      "-XX:ParallelGCThreads=2", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

  @Test
  void transfersSurviveDelaysAndPartitions() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "it-clusters", "net-" + System.currentTimeMillis()))
        .toAbsolutePath();
    List<FaultProxy> shardProxies = new ArrayList<>();
    List<FaultProxy> sequencerProxies = new ArrayList<>();
    Map<String, Long> recovery = new LinkedHashMap<>();
    try (LocalSequencerCluster sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 3, SHARDS,
            List.of("--tick-ms", "200"), JVM).start();
        LocalShardCluster shardServers = new LocalShardCluster(dir.resolve("shards"), 3, SHARDS, 3,
            List.of("--request-timeout-ms", "5000"), JVM).start()) {
      for (String e : shardServers.endpoints()) {
        shardProxies.add(proxy(e));
      }
      for (String e : sequencer.endpoints()) {
        sequencerProxies.add(proxy(e));
      }
      try (LocalVmCluster vms = new LocalVmCluster(dir.resolve("vms"), 2,
              sequencerProxies.stream().map(FaultProxy::endpoint).toList(),
              shardProxies.stream().map(FaultProxy::endpoint).toList(), SHARDS,
              List.of("--lease-ms", "5000", "--heartbeat-ms", "500", "--request-timeout-ms", "20000"), JVM).start()) {
        BankWorkload bank = new BankWorkload(new ShardliteClient(vms.endpoints(), Duration.ofSeconds(30)), ACCOUNTS, SHARDS);
        bank.setUp();
        bank.start(4);
        awaitProgress(bank, 10);

        shardProxies.get(0).delay(100);
        awaitProgress(bank, 10);
        shardProxies.get(0).heal();

        recovery.put("partition from shard server s1", fault(bank, () -> shardProxies.get(0).partition()));
        shardProxies.get(0).heal();
        awaitProgress(bank, 10);

        // Cut the virtual masters off from the whole sequencer for 3 s (below their lease): no new
        // LSNs meanwhile, then everything resumes.
        sequencerProxies.forEach(FaultProxy::partition);
        long cut = System.nanoTime();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
        sequencerProxies.forEach(FaultProxy::heal);
        await().atMost(RECOVERY_BOUND).until(() -> bank.lastSuccessNanos.get() > cut + TimeUnit.SECONDS.toNanos(3));
        recovery.put("3 s partition from the sequencer (time to resume after healing)",
            TimeUnit.NANOSECONDS.toMillis(bank.lastSuccessNanos.get() - cut) - 3_000);
        awaitProgress(bank, 10);
        bank.stop();

        System.out.printf("network faults: %d acknowledged, %d refused, %d unknown, %d total reads; recovery %s%n",
            bank.acknowledged.size(), bank.refused.get(), bank.unknown.get(), bank.totals.size(), recovery);
        assertThat(bank.unexpected).as("unexpected errors").isEmpty();
        assertThat(bank.totals).isNotEmpty().allSatisfy(t -> assertThat(t).isEqualTo((long) ACCOUNTS * BankWorkload.INITIAL));
        BankWorkload.Snapshot snap = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(bank::snapshot, s -> true);
        assertThat(snap.ledger().keySet()).containsAll(bank.acknowledged.keySet());
        long[] expected = new long[ACCOUNTS];
        java.util.Arrays.fill(expected, BankWorkload.INITIAL);
        snap.ledger().values().forEach(t -> {
          expected[t[0]] -= t[2];
          expected[t[1]] += t[2];
        });
        for (int i = 0; i < ACCOUNTS; i++) {
          assertThat(snap.balances().get(BankWorkload.account(i))).isEqualTo(expected[i]);
        }
        bank.client.get().close();
      }
    } finally {
      shardProxies.forEach(FaultProxy::close);
      sequencerProxies.forEach(FaultProxy::close);
    }
  }

  private static FaultProxy proxy(String endpoint) throws java.io.IOException {
    int colon = endpoint.lastIndexOf(':');
    return new FaultProxy(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)));
  }

  private static long fault(BankWorkload bank, Runnable fault) {
    long at = System.nanoTime();
    fault.run();
    await().atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(50)).until(() -> bank.lastSuccessNanos.get() > at);
    return TimeUnit.NANOSECONDS.toMillis(bank.lastSuccessNanos.get() - at);
  }

  private static void awaitProgress(BankWorkload bank, int transfers) {
    int start = bank.acknowledged.size();
    await().atMost(Duration.ofSeconds(90)).until(() -> bank.acknowledged.size() >= start + transfers);
  }
}
