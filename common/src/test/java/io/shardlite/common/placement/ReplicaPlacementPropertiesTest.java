package io.shardlite.common.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ReplicaPlacementPropertiesTest {

  private static List<String> nodes(int n) {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add("node-" + i);
    }
    return nodes;
  }

  @Property(tries = 500)
  void everyShardGetsRfDistinctKnownNodes(
      @ForAll @IntRange(min = 1, max = 200) int shards,
      @ForAll @IntRange(min = 1, max = 12) int n,
      @ForAll @IntRange(min = 1, max = 12) int rfSeed) {
    int rf = 1 + (rfSeed - 1) % n;
    List<String> nodes = nodes(n);
    Map<Integer, List<String>> p = ReplicaPlacement.initial(shards, nodes, rf);

    assertThat(p.keySet()).containsExactlyElementsOf(range(shards));
    for (List<String> replicas : p.values()) {
      assertThat(replicas).hasSize(rf).doesNotHaveDuplicates();
      assertThat(nodes).containsAll(replicas);
    }
  }

  @Property(tries = 500)
  void replicasAndLeadersAreBalanced(
      @ForAll @IntRange(min = 1, max = 200) int shards,
      @ForAll @IntRange(min = 1, max = 12) int n,
      @ForAll @IntRange(min = 1, max = 12) int rfSeed) {
    int rf = 1 + (rfSeed - 1) % n;
    List<String> nodes = nodes(n);
    Map<Integer, List<String>> p = ReplicaPlacement.initial(shards, nodes, rf);

    Map<String, Integer> replicas = new HashMap<>();
    Map<String, Integer> leaders = new HashMap<>();
    for (String node : nodes) {
      replicas.put(node, 0);
      leaders.put(node, 0);
    }
    for (List<String> list : p.values()) {
      leaders.merge(list.get(0), 1, Integer::sum);
      for (String node : list) {
        replicas.merge(node, 1, Integer::sum);
      }
    }
    int total = shards * rf;
    assertThat(replicas.values())
        .allSatisfy(c -> assertThat(c).isBetween(total / n, ceilDiv(total, n)));
    assertThat(leaders.values())
        .allSatisfy(c -> assertThat(c).isBetween(shards / n, ceilDiv(shards, n)));
  }

  @Property(tries = 200)
  void deterministic(
      @ForAll @IntRange(min = 1, max = 100) int shards,
      @ForAll @IntRange(min = 1, max = 9) int n,
      @ForAll @IntRange(min = 1, max = 9) int rfSeed) {
    int rf = 1 + (rfSeed - 1) % n;
    assertThat(ReplicaPlacement.initial(shards, nodes(n), rf))
        .isEqualTo(ReplicaPlacement.initial(shards, new ArrayList<>(nodes(n)), rf));
  }

  @Property(tries = 200)
  void groupUuidsAreDistinctPerShard(@ForAll @IntRange(min = 1, max = 500) int shards) {
    HashSet<Object> ids = new HashSet<>();
    for (int s = 0; s < shards; s++) {
      ids.add(ShardGroupIds.groupUuid("c", s));
    }
    assertThat(ids).hasSize(shards);
  }

  private static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
