package io.shardlite.operator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How many shard pods the StatefulSet gets now. Scale-out is immediate (new pods start empty).
 * Scale-in is two steps: replicas leave the highest ordinals first, and only once the leaving
 * pods hold none does the StatefulSet shrink. Pure: the observation comes in as a map.
 */
public final class ShardScaling {
  private ShardScaling() {}

  /** The size to apply and, when it differs from what was asked, why. */
  public record Decision(int statefulSetReplicas, String reason, String message) {
    public boolean holding() {
      return reason != null;
    }
  }

  public static final String DRAINING = "DrainingShardPods";
  public static final String PLACEMENT_UNKNOWN = "ShardPlacementUnknown";

  /**
   * @param desired shard pods in the spec
   * @param current the StatefulSet's replicas now, or null before it exists
   * @param replicasPerPod replicas hosted per pod name, or null when they could not be observed
   * @param podName pod name of an ordinal
   */
  public static Decision decide(int desired, Integer current, Map<String, Integer> replicasPerPod,
      java.util.function.IntFunction<String> podName) {
    if (current == null || desired >= current) {
      return new Decision(desired, null, null);
    }
    if (replicasPerPod == null) {
      return new Decision(current, PLACEMENT_UNKNOWN, "cannot observe which shard replicas pods "
          + podName.apply(desired) + ".." + podName.apply(current - 1) + " hold; the StatefulSet stays at " + current);
    }
    List<String> busy = new ArrayList<>();
    for (int i = current - 1; i >= desired; i--) {
      int hosted = replicasPerPod.getOrDefault(podName.apply(i), 0);
      if (hosted > 0) {
        busy.add(podName.apply(i) + " (" + hosted + ")");
      }
    }
    if (busy.isEmpty()) {
      return new Decision(desired, null, null);
    }
    return new Decision(current, DRAINING, "scale-in to " + desired + " waits until the leaving pods hold no shard"
        + " replicas; still hosting: " + String.join(", ", busy) + "; move them with `shardlite rebalance` or the"
        + " shard admin API (AddReplica, then RemoveReplica); the StatefulSet stays at " + current);
  }
}
