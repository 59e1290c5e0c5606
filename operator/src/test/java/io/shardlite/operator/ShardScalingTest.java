package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardScalingTest {
  private static String pod(int i) {
    return "c-shard-" + i;
  }

  @Test
  void creationAndScaleOutApplyTheSpecAtOnce() {
    assertThat(ShardScaling.decide(3, null, null, ShardScalingTest::pod).statefulSetReplicas()).isEqualTo(3);
    ShardScaling.Decision out = ShardScaling.decide(5, 3, null, ShardScalingTest::pod);
    assertThat(out.statefulSetReplicas()).isEqualTo(5);
    assertThat(out.holding()).isFalse();
  }

  @Test
  void scaleInWaitsWhileLeavingPodsHoldReplicasNamingThemHighestFirst() {
    ShardScaling.Decision d = ShardScaling.decide(3, 5, Map.of(pod(0), 6, pod(3), 2, pod(4), 4), ShardScalingTest::pod);
    assertThat(d.statefulSetReplicas()).isEqualTo(5);
    assertThat(d.reason()).isEqualTo(ShardScaling.DRAINING);
    assertThat(d.message()).contains("c-shard-4 (4), c-shard-3 (2)");
  }

  @Test
  void scaleInProceedsOnceTheLeavingPodsAreEmpty() {
    ShardScaling.Decision d = ShardScaling.decide(3, 5, Map.of(pod(0), 8, pod(3), 0), ShardScalingTest::pod);
    assertThat(d.statefulSetReplicas()).isEqualTo(3);
    assertThat(d.holding()).isFalse();
  }

  @Test
  void scaleInWithoutAnObservationHolds() {
    ShardScaling.Decision d = ShardScaling.decide(3, 4, null, ShardScalingTest::pod);
    assertThat(d.statefulSetReplicas()).isEqualTo(4);
    assertThat(d.reason()).isEqualTo(ShardScaling.PLACEMENT_UNKNOWN);
  }
}
