package io.shardlite.operator.rebalance;

import io.shardlite.common.placement.ClusterObservation;
import io.shardlite.common.placement.GroupObservation;
import io.shardlite.common.placement.RebalancePlan;
import io.shardlite.common.shard.Rebalancer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one observation and its plan into the operator's {@link RebalanceProgress}. Pure. A pod's
 * count is every copy it still has a say in: groups whose configuration names it plus leftover
 * copies it hosts, so a leaving pod counts as empty only when nothing of any group is left on it. A
 * pod that did not answer has no count (never "empty"), and neither has any leaving pod while some
 * shard was reported by no pod.
 */
public final class PlacementReport {
  private PlacementReport() {}

  /** What the rebalancer is doing about the plan. */
  public enum Activity {
    /** Nothing to do (done, or refused). */
    IDLE,
    /** A round was started in this step. */
    ROUND_STARTED,
    /** A round started earlier is still running. */
    ROUND_RUNNING,
    /** Moves are needed but some target pods are not ready. */
    WAITING_FOR_PODS,
    /** Moves are needed but none can be planned now (e.g. a group without a leader). */
    STUCK
  }

  public static RebalanceProgress of(RebalanceRequest request, Rebalancer.Observation observation, RebalancePlan plan,
      Activity activity, List<String> notReadyTargets, int movesDone, String lastProblem) {
    ClusterObservation cluster = observation.cluster();
    io.shardlite.common.placement.RebalanceProgress p = plan.progress();
    Map<String, Integer> perPod = new LinkedHashMap<>();
    for (ShardPodRef pod : request.pods()) {
      boolean leaving = pod.ordinal() >= request.targetPods();
      if (!cluster.reachableNodes().contains(pod.name()) || leaving && p.unobservedShards() > 0) {
        continue;
      }
      int copies = 0;
      for (GroupObservation g : cluster.groups().values()) {
        if (g.members().contains(pod.name()) || g.strays().contains(pod.name())) {
          copies++;
        }
      }
      perPod.put(pod.name(), copies);
    }
    int remaining = p.replicasToMove() + p.leftoverCopiesOnLeavingNodes();
    if (plan.refused()) {
      return new RebalanceProgress(RebalanceProgress.State.BLOCKED, perPod, movesDone, remaining,
          plan.refusal().orElseThrow().message());
    }
    if (plan.done()) {
      return new RebalanceProgress(RebalanceProgress.State.BALANCED, perPod, movesDone, 0, "balanced");
    }
    List<String> notes = new ArrayList<>();
    notes.add(p.summary());
    if (!observation.unreachable().isEmpty()) {
      notes.add("not answering: " + String.join(", ", observation.unreachable().keySet()));
    }
    if (lastProblem != null) {
      notes.add("last failure: " + lastProblem);
    }
    return switch (activity) {
      case ROUND_STARTED, ROUND_RUNNING -> new RebalanceProgress(RebalanceProgress.State.MOVING, perPod, movesDone,
          remaining, String.join("; ", notes));
      case WAITING_FOR_PODS -> new RebalanceProgress(RebalanceProgress.State.BLOCKED, perPod, movesDone, remaining,
          "waiting for target pods to be ready before moving replicas: " + String.join(", ", notReadyTargets) + "; "
              + String.join("; ", notes));
      case STUCK, IDLE -> new RebalanceProgress(RebalanceProgress.State.BLOCKED, perPod, movesDone, remaining,
          String.join("; ", notes) + (p.blocked().isEmpty() ? "" : "; " + String.join("; ", p.blocked())));
    };
  }
}
