package io.shardlite.operator.rebalance;

import java.util.List;

/**
 * What one rebalancing step works on: the cluster (namespace/name), its fixed shard count and
 * replication factor, the target pod count (the spec), and every pod the StatefulSet has now,
 * ordinal order (ordinals {@code >= targetPods} are leaving).
 */
public record RebalanceRequest(String namespace, String cluster, int shards, int replicationFactor, int targetPods,
    List<ShardPodRef> pods) {
  public RebalanceRequest {
    pods = List.copyOf(pods);
    if (targetPods < replicationFactor) {
      throw new IllegalArgumentException("targetPods " + targetPods + " < replicationFactor " + replicationFactor);
    }
  }

  /** The pods that must end up empty (ordinal >= targetPods), highest ordinal first. */
  public List<ShardPodRef> leaving() {
    return pods.stream().filter(p -> p.ordinal() >= targetPods)
        .sorted((a, b) -> Integer.compare(b.ordinal(), a.ordinal())).toList();
  }
}
