package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.operator.rebalance.RebalanceProgress;
import io.shardlite.operator.rebalance.RebalanceProgress.State;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardScalingTest {
  private static String pod(int i) {
    return "c-shard-" + i;
  }

  private static RebalanceProgress observed(State state, Map<String, Integer> perPod) {
    return new RebalanceProgress(state, perPod, 0, 0, "why");
  }

  @Test
  void creationAndScaleOutApplyTheSpecAtOnce() {
    assertThat(ShardScaling.decide(3, null, 3, null, ShardScalingTest::pod).statefulSetReplicas()).isEqualTo(3);
    ShardScaling.Decision out = ShardScaling.decide(5, 3, 3, RebalanceProgress.unknown("new pods not up"),
        ShardScalingTest::pod);
    assertThat(out.statefulSetReplicas()).as("grow first, whatever the rebalancer says").isEqualTo(5);
    assertThat(out.holding()).isFalse();
  }

  @Test
  void scaleInWaitsWhileLeavingPodsHoldReplicasNamingThemHighestFirst() {
    ShardScaling.Decision d = ShardScaling.decide(3, 5, 3,
        observed(State.MOVING, Map.of(pod(0), 6, pod(3), 2, pod(4), 4)), ShardScalingTest::pod);
    assertThat(d.statefulSetReplicas()).isEqualTo(5);
    assertThat(d.reason()).isEqualTo(ShardScaling.DRAINING);
    assertThat(d.refused()).isFalse();
    assertThat(d.message()).contains("c-shard-4 (4), c-shard-3 (2)").contains("why");
  }

  @Test
  void scaleInProceedsOnceTheLeavingPodsAreObservedEmptyWhateverTheState() {
    for (State state : new State[] {State.MOVING, State.BLOCKED, State.BALANCED}) {
      ShardScaling.Decision d = ShardScaling.decide(3, 5, 3,
          observed(state, Map.of(pod(0), 8, pod(3), 0, pod(4), 0)), ShardScalingTest::pod);
      assertThat(d.statefulSetReplicas()).as(state.name()).isEqualTo(3);
      assertThat(d.holding()).isFalse();
    }
  }

  @Test
  void aLeavingPodMissingFromTheObservationIsNotEmpty() {
    ShardScaling.Decision d = ShardScaling.decide(3, 5, 3, observed(State.BALANCED, Map.of(pod(3), 0)),
        ShardScalingTest::pod);
    assertThat(d.statefulSetReplicas()).isEqualTo(5);
    assertThat(d.message()).contains("c-shard-4 (not observed)");
  }

  @Test
  void scaleInWithoutAnObservationHolds() {
    ShardScaling.Decision none = ShardScaling.decide(3, 4, 3, null, ShardScalingTest::pod);
    assertThat(none.statefulSetReplicas()).isEqualTo(4);
    assertThat(none.reason()).isEqualTo(ShardScaling.PLACEMENT_UNKNOWN);
    ShardScaling.Decision unknown = ShardScaling.decide(3, 4, 3, RebalanceProgress.unknown("c-shard-3 silent"),
        ShardScalingTest::pod);
    assertThat(unknown.statefulSetReplicas()).isEqualTo(4);
    assertThat(unknown.message()).contains("c-shard-3 silent");
  }

  @Test
  void scaleInBelowTheReplicationFactorIsRefusedNotDeferred() {
    ShardScaling.Decision d = ShardScaling.decide(2, 5, 3, observed(State.BALANCED, Map.of(pod(2), 0, pod(3), 0,
        pod(4), 0)), ShardScalingTest::pod);
    assertThat(d.statefulSetReplicas()).isEqualTo(5);
    assertThat(d.refused()).isTrue();
    assertThat(d.reason()).isEqualTo(ShardScaling.BELOW_REPLICATION_FACTOR);
    assertThat(ShardScaling.refusal(2, 5, 3)).isNotNull();
    assertThat(ShardScaling.refusal(3, 5, 3)).as("down to the replication factor is fine").isNull();
    assertThat(ShardScaling.refusal(2, null, 3)).as("creation: the spec validation's business").isNull();
    assertThat(ShardScaling.refusal(1, 1, 1)).isNull();
  }
}
