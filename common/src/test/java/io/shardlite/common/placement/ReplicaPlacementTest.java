package io.shardlite.common.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReplicaPlacementTest {

  @Test
  void fullBlocksRotateAroundTheRing() {
    Map<Integer, List<String>> p = ReplicaPlacement.initial(6, List.of("a", "b", "c"), 3);
    assertThat(p)
        .containsExactly(
            Map.entry(0, List.of("a", "b", "c")),
            Map.entry(1, List.of("b", "c", "a")),
            Map.entry(2, List.of("c", "a", "b")),
            Map.entry(3, List.of("a", "b", "c")),
            Map.entry(4, List.of("b", "c", "a")),
            Map.entry(5, List.of("c", "a", "b")));
  }

  @Test
  void partialBlockSpreadsStartsEvenly() {
    // plain rotation would give [a,b],[b,c]: b twice and d never
    Map<Integer, List<String>> p = ReplicaPlacement.initial(2, List.of("a", "b", "c", "d"), 2);
    assertThat(p).containsExactly(Map.entry(0, List.of("a", "b")), Map.entry(1, List.of("c", "d")));
  }

  /** Exhaustive over small sizes, independent of the jqwik properties. */
  @Test
  void balancedAndDistinctForAllSmallSizes() {
    for (int n = 1; n <= 9; n++) {
      List<String> nodes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        nodes.add("n" + i);
      }
      for (int rf = 1; rf <= n; rf++) {
        for (int shards = 1; shards <= 40; shards++) {
          Map<Integer, List<String>> p = ReplicaPlacement.initial(shards, nodes, rf);
          Map<String, Integer> replicas = new HashMap<>();
          Map<String, Integer> leaders = new HashMap<>();
          for (String node : nodes) {
            replicas.put(node, 0);
            leaders.put(node, 0);
          }
          assertThat(p).hasSize(shards);
          for (List<String> list : p.values()) {
            assertThat(list).hasSize(rf).doesNotHaveDuplicates();
            leaders.merge(list.get(0), 1, Integer::sum);
            list.forEach(node -> replicas.merge(node, 1, Integer::sum));
          }
          String ctx = "shards=" + shards + " n=" + n + " rf=" + rf;
          assertThat(replicas).as(ctx).hasSize(n);
          int total = shards * rf;
          int minReplicas = total / n;
          int maxReplicas = (total + n - 1) / n;
          int minLeaders = shards / n;
          int maxLeaders = (shards + n - 1) / n;
          assertThat(replicas.values())
              .as(ctx)
              .allSatisfy(c -> assertThat(c).isBetween(minReplicas, maxReplicas));
          assertThat(leaders.values())
              .as(ctx)
              .allSatisfy(c -> assertThat(c).isBetween(minLeaders, maxLeaders));
        }
      }
    }
  }

  @Test
  void singleNodeSingleReplica() {
    assertThat(ReplicaPlacement.initial(3, List.of("only"), 1))
        .containsExactly(
            Map.entry(0, List.of("only")), Map.entry(1, List.of("only")), Map.entry(2, List.of("only")));
  }

  @Test
  void nodeOrderIsRespectedAndInputIsNotRetained() {
    List<String> nodes = new ArrayList<>(List.of("z", "y", "x"));
    Map<Integer, List<String>> p = ReplicaPlacement.initial(1, nodes, 2);
    nodes.clear();
    assertThat(p.get(0)).containsExactly("z", "y");
  }

  @Test
  void resultIsUnmodifiable() {
    Map<Integer, List<String>> p = ReplicaPlacement.initial(2, List.of("a", "b"), 1);
    assertThatThrownBy(() -> p.put(9, List.of())).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> p.get(0).add("c")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsBadArguments() {
    List<String> abc = List.of("a", "b", "c");
    assertThatThrownBy(() -> ReplicaPlacement.initial(0, abc, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shards must be >= 1");
    assertThatThrownBy(() -> ReplicaPlacement.initial(3, abc, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replicationFactor must be >= 1");
    assertThatThrownBy(() -> ReplicaPlacement.initial(3, abc, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replicationFactor 4 exceeds the number of nodes (3)");
    assertThatThrownBy(() -> ReplicaPlacement.initial(3, List.of("a", "b", "a"), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate node id 'a'");
    assertThatThrownBy(() -> ReplicaPlacement.initial(3, List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodes must not be empty");
    assertThatThrownBy(() -> ReplicaPlacement.initial(3, null, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReplicaPlacement.initial(3, Arrays.asList("a", null), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null or blank");
    assertThatThrownBy(() -> ReplicaPlacement.initial(3, List.of("a", " "), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null or blank");
  }

  @Test
  void groupUuidIsNameBasedOnClusterAndShard() {
    UUID expected =
        UUID.nameUUIDFromBytes("shardlite/prod/shard/7".getBytes(StandardCharsets.UTF_8));
    assertThat(ShardGroupIds.groupUuid("prod", 7)).isEqualTo(expected);
    assertThat(ShardGroupIds.groupUuid("prod", 7).version()).isEqualTo(3);
    assertThat(ShardGroupIds.groupUuid("prod", 7)).isNotEqualTo(ShardGroupIds.groupUuid("dev", 7));
    assertThat(ShardGroupIds.groupUuid("prod", 7)).isNotEqualTo(ShardGroupIds.groupUuid("prod", 8));
    assertThatThrownBy(() -> ShardGroupIds.groupUuid("prod", -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
