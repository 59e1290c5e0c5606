package io.shardlite.operator.rebalance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Judges an observed placement against a target, without moving anything: which pods hold how
 * many replicas, whether the leaving pods are empty, whether every shard has its replication
 * factor on the target pods, and whether the target pods are balanced (each holds the floor or the
 * ceiling of replicas / pods). Pure.
 */
public final class PlacementSummary {
  private PlacementSummary() {}

  /**
   * @param hosted the shards each pod hosts, for every pod of the request (all observed)
   * @param movesDone reported as is
   * @param cannotMove why this caller does not move replicas itself (part of the BLOCKED message)
   */
  public static RebalanceProgress judge(RebalanceRequest request, Map<String, Set<Integer>> hosted, int movesDone,
      String cannotMove) {
    Map<String, Integer> perPod = new LinkedHashMap<>();
    for (ShardPodRef pod : request.pods()) {
      perPod.put(pod.name(), hosted.getOrDefault(pod.name(), Set.of()).size());
    }
    int target = request.targetPods();
    int total = request.shards() * request.replicationFactor();
    int floor = total / target;
    int ceil = floor + (total % target == 0 ? 0 : 1);

    List<String> problems = new ArrayList<>();
    int onLeaving = 0;
    List<String> busy = new ArrayList<>();
    for (ShardPodRef pod : request.leaving()) {
      int n = perPod.get(pod.name());
      if (n > 0) {
        onLeaving += n;
        busy.add(pod.name() + " (" + n + ")");
      }
    }
    if (!busy.isEmpty()) {
      problems.add("leaving pods still host replicas: " + String.join(", ", busy));
    }

    Map<Integer, Integer> replicasOnTarget = new TreeMap<>();
    for (ShardPodRef pod : request.pods()) {
      if (pod.ordinal() < target) {
        for (int shard : hosted.getOrDefault(pod.name(), Set.of())) {
          replicasOnTarget.merge(shard, 1, Integer::sum);
        }
      }
    }
    List<Integer> short_ = new ArrayList<>();
    for (int shard = 0; shard < request.shards(); shard++) {
      if (replicasOnTarget.getOrDefault(shard, 0) < request.replicationFactor()) {
        short_.add(shard);
      }
    }
    if (!short_.isEmpty()) {
      problems.add(short_.size() + " shard(s) have fewer than " + request.replicationFactor()
          + " replicas on the target pods (first: " + short_.subList(0, Math.min(5, short_.size())) + ")");
    }

    int excess = 0;
    int deficit = 0;
    List<String> uneven = new ArrayList<>();
    for (ShardPodRef pod : request.pods()) {
      if (pod.ordinal() < target) {
        int n = perPod.get(pod.name());
        excess += Math.max(0, n - ceil);
        deficit += Math.max(0, floor - n);
        if (n < floor || n > ceil) {
          uneven.add(pod.name() + " (" + n + ")");
        }
      }
    }
    if (!uneven.isEmpty()) {
      problems.add("uneven: each target pod should hold " + (floor == ceil ? floor : floor + "-" + ceil)
          + " replicas: " + String.join(", ", uneven));
    }

    if (problems.isEmpty()) {
      return new RebalanceProgress(RebalanceProgress.State.BALANCED, perPod, movesDone, 0, "balanced");
    }
    // Every replica on a leaving pod or above the ceiling must move; every pod below the floor must receive.
    int remaining = Math.max(Math.max(onLeaving + excess, deficit), short_.size());
    return new RebalanceProgress(RebalanceProgress.State.BLOCKED, perPod, movesDone, remaining,
        String.join("; ", problems) + "; " + cannotMove);
  }
}
