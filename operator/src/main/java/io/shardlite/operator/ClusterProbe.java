package io.shardlite.operator;

import io.shardlite.operator.children.ClusterView;
import java.util.Map;
import java.util.Optional;

/** What the operator learns from the running pods (not from Kubernetes). A fake stands in for tests. */
public interface ClusterProbe {
  /** Shard replicas hosted per shard pod name, for pods 0..pods-1; empty when not observable now. */
  Optional<Map<String, Integer>> replicasPerShardPod(ClusterView cluster, int pods);
}
