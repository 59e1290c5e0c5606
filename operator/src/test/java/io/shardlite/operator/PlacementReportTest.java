package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.placement.ClusterObservation;
import io.shardlite.common.placement.HostedGroup;
import io.shardlite.common.placement.PlacementTarget;
import io.shardlite.common.placement.RebalancePlan;
import io.shardlite.common.placement.RebalancePlanner;
import io.shardlite.common.shard.Rebalancer;
import io.shardlite.operator.rebalance.PlacementReport;
import io.shardlite.operator.rebalance.PlacementReport.Activity;
import io.shardlite.operator.rebalance.RebalanceProgress;
import io.shardlite.operator.rebalance.RebalanceProgress.State;
import io.shardlite.operator.rebalance.RebalanceRequest;
import io.shardlite.operator.rebalance.ShardPodRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PlacementReportTest {
  private static final int SHARDS = 4;

  private static RebalanceRequest request(int pods, int target) {
    return new RebalanceRequest("db", "c", SHARDS, 3, target, IntStream.range(0, pods)
        .mapToObj(i -> new ShardPodRef("s-" + i, i, "h" + i, 7001, 7000, true)).toList());
  }

  /** Each listed pod hosts the given shards; shard groups are led by their first member, all caught up. */
  private static Map<String, List<HostedGroup>> listings(Map<String, List<Integer>> hosted,
      Map<Integer, List<String>> members) {
    Map<String, List<HostedGroup>> out = new LinkedHashMap<>();
    hosted.forEach((pod, shards) -> {
      List<HostedGroup> groups = new ArrayList<>();
      for (int shard : shards) {
        List<String> m = members.get(shard);
        String leader = m.get(0);
        groups.add(new HostedGroup(shard, pod.equals(leader) ? "LEADER" : "FOLLOWER", leader, 1, 10, 10, m));
      }
      out.put(pod, groups);
    });
    return out;
  }

  private static RebalanceProgress report(RebalanceRequest request, Map<String, List<HostedGroup>> listings,
      Map<String, String> unreachable, Activity activity) {
    ClusterObservation cluster = ClusterObservation.fromListings(SHARDS, listings, 1000);
    PlacementTarget target = PlacementTarget.ofOrdinals(request.pods().stream().map(ShardPodRef::name).toList(),
        request.targetPods(), request.replicationFactor());
    RebalancePlan plan = new RebalancePlanner().plan(cluster, target);
    return PlacementReport.of(request, new Rebalancer.Observation(cluster, unreachable), plan, activity, List.of(),
        0, null);
  }

  private static final Map<Integer, List<String>> ON_FIRST_THREE = Map.of(
      0, List.of("s-0", "s-1", "s-2"), 1, List.of("s-1", "s-2", "s-0"),
      2, List.of("s-2", "s-0", "s-1"), 3, List.of("s-0", "s-1", "s-2"));

  @Test
  void aBalancedPlacementIsBalancedWithCountsPerPod() {
    Map<String, List<Integer>> hosted = Map.of("s-0", List.of(0, 1, 2, 3), "s-1", List.of(0, 1, 2, 3),
        "s-2", List.of(0, 1, 2, 3));
    RebalanceProgress p = report(request(3, 3), listings(hosted, ON_FIRST_THREE), Map.of(), Activity.IDLE);
    assertThat(p.state()).isEqualTo(State.BALANCED);
    assertThat(p.replicasPerPod()).isEqualTo(Map.of("s-0", 4, "s-1", 4, "s-2", 4));
    assertThat(p.movesRemaining()).isZero();
  }

  @Test
  void aNewEmptyPodMeansMovesAndIsObservedEmpty() {
    Map<String, List<HostedGroup>> l = new LinkedHashMap<>(listings(Map.of("s-0", List.of(0, 1, 2, 3),
        "s-1", List.of(0, 1, 2, 3), "s-2", List.of(0, 1, 2, 3)), ON_FIRST_THREE));
    l.put("s-3", List.of());
    RebalanceProgress p = report(request(4, 4), l, Map.of(), Activity.ROUND_STARTED);
    assertThat(p.state()).isEqualTo(State.MOVING);
    assertThat(p.replicasPerPod()).containsEntry("s-3", 0);
    assertThat(p.movesRemaining()).isEqualTo(3);
  }

  @Test
  void aLeavingPodThatDidNotAnswerIsNeverEmpty() {
    Map<String, List<HostedGroup>> l = listings(Map.of("s-0", List.of(0, 1, 2, 3), "s-1", List.of(0, 1, 2, 3),
        "s-2", List.of(0, 1, 2, 3)), ON_FIRST_THREE);
    RebalanceProgress p = report(request(4, 3), l, Map.of("s-3", "UNAVAILABLE"), Activity.ROUND_RUNNING);
    assertThat(p.replicasPerPod()).doesNotContainKey("s-3");
    assertThat(p.observedEmpty("s-3")).isFalse();
  }

  @Test
  void aLeftoverCopyOnALeavingPodKeepsItFromBeingEmpty() {
    Map<String, List<HostedGroup>> l = new LinkedHashMap<>(listings(Map.of("s-0", List.of(0, 1, 2, 3),
        "s-1", List.of(0, 1, 2, 3), "s-2", List.of(0, 1, 2, 3)), ON_FIRST_THREE));
    // s-3 still holds a copy of shard 2 that no configuration names any more.
    l.put("s-3", List.of(new HostedGroup(2, "FOLLOWER", "", 1, 5, 5, List.of("s-3", "s-0", "s-1"))));
    RebalanceProgress p = report(request(4, 3), l, Map.of(), Activity.ROUND_STARTED);
    assertThat(p.replicasPerPod()).containsEntry("s-3", 1);
    assertThat(p.observedEmpty("s-3")).isFalse();
    assertThat(p.state()).isEqualTo(State.MOVING);
  }

  @Test
  void movesWaitForNotReadyTargetPods() {
    Map<String, List<HostedGroup>> l = new LinkedHashMap<>(listings(Map.of("s-0", List.of(0, 1, 2, 3),
        "s-1", List.of(0, 1, 2, 3), "s-2", List.of(0, 1, 2, 3)), ON_FIRST_THREE));
    l.put("s-3", List.of());
    RebalanceRequest r = request(4, 4);
    ClusterObservation cluster = ClusterObservation.fromListings(SHARDS, l, 1000);
    RebalancePlan plan = new RebalancePlanner().plan(cluster, PlacementTarget.ofOrdinals(
        List.of("s-0", "s-1", "s-2", "s-3"), 4, 3));
    RebalanceProgress p = PlacementReport.of(r, new Rebalancer.Observation(cluster, Map.of()), plan,
        Activity.WAITING_FOR_PODS, List.of("s-3"), 2, "shard 1: move s-0 -> s-3: TIMEOUT");
    assertThat(p.state()).isEqualTo(State.BLOCKED);
    assertThat(p.message()).contains("waiting for target pods to be ready", "s-3", "last failure", "TIMEOUT");
    assertThat(p.movesDone()).isEqualTo(2);
  }
}
