package io.shardlite.sequencer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.ShardOwner;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Ownership through real processes and the watch stream: three virtual masters get a balanced
 * table; one that stops heartbeating loses exactly its shards (each with epoch + 1) and nothing
 * else moves; a drained one hands all its shards over while staying registered.
 */
class SequencerOwnershipIT {
  private static final int SHARDS = 16;
  private static final Duration BUDGET = Duration.ofSeconds(60);
  private static final Duration LEASE = Duration.ofSeconds(2);

  @Test
  void balancedOwnershipMovesOnlyTheShardsOfAnExpiredOrDrainedVirtualMaster() throws Exception {
    Map<String, Boolean> heartbeating = new ConcurrentHashMap<>();
    ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
    try (LocalSequencerCluster cluster = new LocalSequencerCluster(SequencerProbe.clusterDir("seq-ownership"), 3,
            SHARDS, List.of("--tick-ms", "200"), SequencerProbe.jvmOptions()).start();
        SequencerClient client = new SequencerClient(cluster.endpoints(), Duration.ofSeconds(20))) {
      Map<Integer, ShardOwner> table = new ConcurrentHashMap<>();
      try (AutoCloseable watch = client.watchOwnership(false, update -> {
        if (update.getFull()) {
          table.clear();
        }
        update.getOwnersList().forEach(o -> table.put(o.getShard(), o));
      })) {
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
          client.register(vm, "127.0.0.1:1", LEASE);
          heartbeating.put(vm, true);
        }
        beats.scheduleWithFixedDelay(() -> heartbeating.forEach((vm, on) -> {
          if (on) {
            try {
              client.heartbeat(vm);
            } catch (RuntimeException e) {
              // A heartbeat lost in a leader change; the next one renews.
            }
          }
        }), 0, 300, TimeUnit.MILLISECONDS);

        await().atMost(BUDGET).untilAsserted(() -> assertThat(load(table))
            .containsOnlyKeys("vm-a", "vm-b", "vm-c").allSatisfy((vm, n) -> assertThat(n).isBetween(5, 6)));
        Map<Integer, ShardOwner> before = new TreeMap<>(table);

        heartbeating.put("vm-c", false);
        await().atMost(BUDGET).untilAsserted(() -> assertThat(load(table)).containsOnlyKeys("vm-a", "vm-b"));
        assertMovedOnly(before, new TreeMap<>(table), "vm-c");
        assertThat(load(table)).allSatisfy((vm, n) -> assertThat(n).isEqualTo(8));

        Map<Integer, ShardOwner> beforeDrain = new TreeMap<>(table);
        assertThat(client.drain("vm-b").getDraining()).isTrue();
        await().atMost(BUDGET).untilAsserted(() -> assertThat(load(table)).containsOnlyKeys("vm-a"));
        assertMovedOnly(beforeDrain, new TreeMap<>(table), "vm-b");
        // Drained, not gone: its lease is still renewed.
        assertThat(client.heartbeat("vm-b").getDraining()).isTrue();
      }
    } finally {
      beats.shutdownNow();
    }
  }

  private static Map<String, Integer> load(Map<Integer, ShardOwner> table) {
    if (table.size() != SHARDS) {
      return Map.of();
    }
    return table.values().stream().filter(o -> !o.getOwner().isEmpty())
        .collect(Collectors.groupingBy(ShardOwner::getOwner, Collectors.summingInt(o -> 1)));
  }

  /** Shards of {@code leaver} moved with epoch + 1; every other shard kept owner and epoch. */
  private static void assertMovedOnly(Map<Integer, ShardOwner> before, Map<Integer, ShardOwner> after, String leaver) {
    Set<Integer> moved = before.values().stream().filter(o -> o.getOwner().equals(leaver))
        .map(ShardOwner::getShard).collect(Collectors.toSet());
    assertThat(moved).isNotEmpty();
    for (int shard = 0; shard < SHARDS; shard++) {
      ShardOwner was = before.get(shard);
      ShardOwner now = after.get(shard);
      if (moved.contains(shard)) {
        assertThat(now.getOwner()).as("shard %d", shard).isNotEqualTo(leaver).isNotEmpty();
        assertThat(now.getEpoch()).as("epoch of shard %d", shard).isEqualTo(was.getEpoch() + 1);
      } else {
        assertThat(now).as("shard %d must not move", shard).isEqualTo(was);
      }
    }
  }
}
