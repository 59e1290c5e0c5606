package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.operator.rebalance.PlacementSummary;
import io.shardlite.operator.rebalance.RebalanceProgress;
import io.shardlite.operator.rebalance.RebalanceProgress.State;
import io.shardlite.operator.rebalance.RebalanceRequest;
import io.shardlite.operator.rebalance.ShardPodRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PlacementSummaryTest {
  private static RebalanceRequest request(int shards, int rf, int target, int pods) {
    List<ShardPodRef> refs = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      refs.add(new ShardPodRef("p-" + i, i, "p-" + i + ".p.ns.svc", 7001, 7000, true));
    }
    return new RebalanceRequest("ns", "c", shards, rf, target, refs);
  }

  /** Shard s on pods s, s+1, ..., s+rf-1 (mod pods): balanced. */
  private static Map<String, Set<Integer>> rotation(int shards, int rf, int pods) {
    Map<String, Set<Integer>> m = new LinkedHashMap<>();
    for (int i = 0; i < pods; i++) {
      m.put("p-" + i, new TreeSet<>());
    }
    for (int s = 0; s < shards; s++) {
      for (int k = 0; k < rf; k++) {
        m.get("p-" + (s + k) % pods).add(s);
      }
    }
    return m;
  }

  @Test
  void anEvenFullPlacementIsBalanced() {
    RebalanceProgress p = PlacementSummary.judge(request(8, 3, 3, 3), rotation(8, 3, 3), 4, "x");
    assertThat(p.state()).isEqualTo(State.BALANCED);
    assertThat(p.movesRemaining()).isZero();
    assertThat(p.movesDone()).isEqualTo(4);
    assertThat(p.replicasPerPod()).containsExactly(Map.entry("p-0", 8), Map.entry("p-1", 8), Map.entry("p-2", 8));
  }

  @Test
  void newEmptyPodsAfterScaleOutAreUneven() {
    Map<String, Set<Integer>> hosted = rotation(8, 3, 3);
    hosted.put("p-3", Set.of());
    hosted.put("p-4", Set.of());
    RebalanceProgress p = PlacementSummary.judge(request(8, 3, 5, 5), hosted, 0, "cannot move");
    assertThat(p.state()).isEqualTo(State.BLOCKED);
    // 24 replicas over 5 pods: 4 or 5 each; p-0..p-2 hold 8 (3 too many each), p-3 and p-4 need 4.
    assertThat(p.movesRemaining()).isEqualTo(9);
    assertThat(p.message()).contains("uneven").contains("p-3 (0)").endsWith("cannot move");
    assertThat(p.replicasPerPod()).containsEntry("p-4", 0);
  }

  @Test
  void replicasOnLeavingPodsMustMoveAndShardsShortOnTargetPodsAreNamed() {
    RebalanceProgress p = PlacementSummary.judge(request(5, 3, 3, 5), rotation(5, 3, 5), 0, "x");
    assertThat(p.state()).isEqualTo(State.BLOCKED);
    assertThat(p.message()).contains("leaving pods still host replicas: p-4 (3), p-3 (3)")
        .contains("have fewer than 3 replicas on the target pods");
    assertThat(p.movesRemaining()).isGreaterThanOrEqualTo(6);
  }

  @Test
  void leavingPodsEmptiedIntoABalancedTargetIsBalanced() {
    Map<String, Set<Integer>> hosted = rotation(6, 3, 3);
    hosted.put("p-3", Set.of());
    RebalanceProgress p = PlacementSummary.judge(request(6, 3, 3, 4), hosted, 6, "x");
    assertThat(p.state()).isEqualTo(State.BALANCED);
    assertThat(p.observedEmpty("p-3")).isTrue();
    assertThat(p.observedEmpty("p-0")).isFalse();
  }

  @Test
  void aPodBelowTheFloorCountsAsAMoveEvenWhenNoneIsAboveTheCeiling() {
    // 7 shards x 1 replica over 3 pods: 2 or 3 each; (3, 3, 1) needs one move.
    Map<String, Set<Integer>> hosted = Map.of("p-0", Set.of(0, 1, 2), "p-1", Set.of(3, 4, 5), "p-2", Set.of(6));
    RebalanceProgress p = PlacementSummary.judge(request(7, 1, 3, 3), hosted, 0, "x");
    assertThat(p.state()).isEqualTo(State.BLOCKED);
    assertThat(p.movesRemaining()).isEqualTo(1);
  }

  @Test
  void unknownProgressObservesNothing() {
    RebalanceProgress u = RebalanceProgress.unknown("p-1 silent");
    assertThat(u.observedEmpty("p-1")).isFalse();
    assertThat(u.replicasPerPod()).isEmpty();
  }

  @Test
  void aTargetBelowTheReplicationFactorIsNotARequest() {
    assertThatThrownBy(() -> request(8, 3, 2, 3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targetPods 2 < replicationFactor 3");
  }
}
