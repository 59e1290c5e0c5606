package io.shardlite.common.placement;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where a rebalance stands, computed from one observation (no memory of earlier rounds): fit for a
 * Kubernetes status and for the CLI.
 *
 * @param shards shards in the cluster
 * @param unobservedShards shards no node reported
 * @param replicasPerNode members per node, target nodes first then leaving ones (ordinal order, zero
 *     included), then nodes in neither list that still host members
 * @param replicasOnLeavingNodes members on nodes that are not targets
 * @param leftoverCopiesOnLeavingNodes leftover non-member copies on nodes that are not targets
 * @param replicasToMove members still to move: those on leaving nodes plus the surplus of target
 *     nodes above their balanced share (a lower bound of the moves left)
 * @param groupsInFlight groups whose member count differs from the replication factor (mid-move)
 * @param blocked one line per group that cannot progress now, with the reason
 * @param balanced the target nodes' member counts differ by at most one
 * @param done nothing left to do: every group has exactly RF caught-up members on distinct target
 *     nodes, balanced, no leftover copies, every shard observed
 */
public record RebalanceProgress(int shards, int unobservedShards, Map<String, Integer> replicasPerNode,
    int replicasOnLeavingNodes, int leftoverCopiesOnLeavingNodes, int replicasToMove, int groupsInFlight,
    List<String> blocked, boolean balanced, boolean done) {
  public RebalanceProgress {
    replicasPerNode = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(replicasPerNode));
    blocked = List.copyOf(blocked);
  }

  /**
   * True when the leaving nodes host nothing (no member, no leftover copy) and every shard was
   * observed: only then may the nodes be removed (the StatefulSet shrink).
   */
  public boolean leavingNodesEmpty() {
    return unobservedShards == 0 && replicasOnLeavingNodes == 0 && leftoverCopiesOnLeavingNodes == 0;
  }

  /** One line, e.g. {@code 3 replicas to move, 1 group moving; s1=6 s2=6 s3=6 s4=6}. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    if (done) {
      b.append("balanced, nothing to move");
    } else {
      b.append(replicasToMove).append(replicasToMove == 1 ? " replica" : " replicas").append(" to move, ")
          .append(groupsInFlight).append(groupsInFlight == 1 ? " group" : " groups").append(" moving");
      if (replicasOnLeavingNodes > 0) {
        b.append(", ").append(replicasOnLeavingNodes).append(" still on leaving nodes");
      }
      if (leftoverCopiesOnLeavingNodes > 0) {
        b.append(", ").append(leftoverCopiesOnLeavingNodes).append(" leftover copies on leaving nodes");
      }
      if (unobservedShards > 0) {
        b.append(", ").append(unobservedShards).append(" shards unobserved");
      }
      if (!blocked.isEmpty()) {
        b.append(", ").append(blocked.size()).append(" blocked");
      }
    }
    b.append("; ").append(replicasPerNode.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(" ")));
    return b.toString();
  }
}
