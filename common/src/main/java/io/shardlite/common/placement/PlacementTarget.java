package io.shardlite.common.placement;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where replicas should live: the target nodes (in ordinal order) and the leaving nodes (also in
 * ordinal order; they are emptied highest ordinal first), plus the replication factor. A node that
 * hosts a replica but is in neither list is treated as leaving, beyond every ordinal.
 *
 * @param targetNodes nodes that keep replicas, lowest ordinal first
 * @param leavingNodes nodes to empty, lowest ordinal first
 * @param replicationFactor replicas per shard group
 */
public record PlacementTarget(List<String> targetNodes, List<String> leavingNodes, int replicationFactor) {
  public PlacementTarget {
    targetNodes = List.copyOf(targetNodes);
    leavingNodes = List.copyOf(leavingNodes);
    if (targetNodes.isEmpty()) {
      throw new IllegalArgumentException("the target must name at least one node");
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("replicationFactor must be >= 1, got " + replicationFactor);
    }
    Set<String> seen = new HashSet<>();
    for (String node : concat(targetNodes, leavingNodes)) {
      if (node == null || node.isBlank()) {
        throw new IllegalArgumentException("node ids must not be blank: " + targetNodes + " / " + leavingNodes);
      }
      if (!seen.add(node)) {
        throw new IllegalArgumentException("node '" + node + "' is listed twice in " + targetNodes + " / " + leavingNodes);
      }
    }
  }

  /**
   * The usual shape: all nodes by ordinal (pod 0, 1, ...), of which the first {@code targetCount}
   * stay and the rest leave.
   */
  public static PlacementTarget ofOrdinals(List<String> nodesByOrdinal, int targetCount, int replicationFactor) {
    if (targetCount < 1 || targetCount > nodesByOrdinal.size()) {
      throw new IllegalArgumentException("targetCount must be 1.." + nodesByOrdinal.size() + ", got " + targetCount);
    }
    return new PlacementTarget(nodesByOrdinal.subList(0, targetCount),
        nodesByOrdinal.subList(targetCount, nodesByOrdinal.size()), replicationFactor);
  }

  public boolean isTarget(String node) {
    return targetNodes.contains(node);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    java.util.ArrayList<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
