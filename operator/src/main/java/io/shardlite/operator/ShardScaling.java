package io.shardlite.operator;

import io.shardlite.operator.rebalance.RebalanceProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * How many pods the shard StatefulSet gets now. Scale-out is immediate: the StatefulSet grows
 * first (new pods start empty), then the rebalancer moves replicas onto them. Scale-in is two
 * steps: the StatefulSet keeps its size while the rebalancer empties the leaving (highest)
 * ordinals, and shrinks only once a step observed them empty. A scale-in below the replication
 * factor is refused. Pure: the rebalancer's report comes in as an argument.
 */
public final class ShardScaling {
  private ShardScaling() {}

  public static final String DRAINING = "DrainingShardPods";
  public static final String PLACEMENT_UNKNOWN = "ShardPlacementUnknown";
  public static final String BELOW_REPLICATION_FACTOR = "ScaleInBelowReplicationFactor";

  /** The size to apply and, when it differs from the spec, why ({@code refused}: never, not just not yet). */
  public record Decision(int statefulSetReplicas, String reason, String message, boolean refused) {
    public boolean holding() {
      return reason != null;
    }

    static Decision apply(int replicas) {
      return new Decision(replicas, null, null, false);
    }
  }

  /**
   * A refusal of a scale-in that would leave fewer shard pods than replicas per shard, or empty.
   * Checked before anything else (the spec is then not acted on at all).
   */
  public static Decision refusal(int desired, Integer current, int replicationFactor) {
    if (current != null && desired < current && desired < replicationFactor) {
      return new Decision(current, BELOW_REPLICATION_FACTOR, "shardPods.replicas " + desired
          + " is below the replication factor " + replicationFactor + ": every shard needs " + replicationFactor
          + " pods for its replicas; the StatefulSet stays at " + current, true);
    }
    return null;
  }

  /**
   * @param desired shard pods in the spec
   * @param current the StatefulSet's replicas now, or null before it exists
   * @param progress the rebalancer's report for target {@code desired}, or null when it was not asked
   * @param podName pod name of an ordinal
   */
  public static Decision decide(int desired, Integer current, int replicationFactor, RebalanceProgress progress,
      IntFunction<String> podName) {
    if (current == null || desired >= current) {
      return Decision.apply(desired);
    }
    Decision refused = refusal(desired, current, replicationFactor);
    if (refused != null) {
      return refused;
    }
    String range = podName.apply(desired) + (current - 1 > desired ? ".." + podName.apply(current - 1) : "");
    if (progress == null || progress.state() == RebalanceProgress.State.UNKNOWN) {
      return new Decision(current, PLACEMENT_UNKNOWN, "cannot observe which shard replicas pods " + range
          + " hold" + (progress == null ? "" : " (" + progress.message() + ")") + "; the StatefulSet stays at "
          + current, false);
    }
    List<String> busy = new ArrayList<>();
    for (int i = current - 1; i >= desired; i--) {
      String pod = podName.apply(i);
      if (!progress.observedEmpty(pod)) {
        Integer hosted = progress.replicasPerPod().get(pod);
        busy.add(pod + " (" + (hosted == null ? "not observed" : hosted) + ")");
      }
    }
    if (busy.isEmpty()) {
      return Decision.apply(desired);
    }
    return new Decision(current, DRAINING, "scale-in to " + desired + " waits until pods " + range
        + " hold no shard replicas; still hosting: " + String.join(", ", busy)
        + "; " + progress.message() + "; the StatefulSet stays at " + current, false);
  }
}
