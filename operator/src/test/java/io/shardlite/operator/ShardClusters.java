package io.shardlite.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.shardlite.operator.crd.SequencerSpec;
import io.shardlite.operator.crd.ShardCluster;
import io.shardlite.operator.crd.ShardClusterSpec;
import io.shardlite.operator.crd.ShardPodsSpec;
import io.shardlite.operator.crd.VirtualMastersSpec;

/** Test resources. */
final class ShardClusters {
  private ShardClusters() {}

  static ShardCluster of(String name, int shards, int shardPods, int vms) {
    ShardCluster c = new ShardCluster();
    c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("db").withUid("uid-" + name)
        .withGeneration(1L).build());
    ShardClusterSpec spec = new ShardClusterSpec();
    spec.setShards(shards);
    ShardPodsSpec pods = new ShardPodsSpec();
    pods.setReplicas(shardPods);
    spec.setShardPods(pods);
    VirtualMastersSpec v = new VirtualMastersSpec();
    v.setReplicas(vms);
    spec.setVirtualMasters(v);
    c.setSpec(spec);
    return c;
  }

  static SequencerSpec sequencers(int n) {
    SequencerSpec s = new SequencerSpec();
    s.setReplicas(n);
    return s;
  }
}
