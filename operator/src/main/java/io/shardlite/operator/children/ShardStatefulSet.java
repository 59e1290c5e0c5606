package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.shardlite.operator.Names;
import java.util.ArrayList;
import java.util.List;

/** The shard servers' StatefulSet (see {@link RaftStatefulSet} for what it shares with the sequencer's). */
public final class ShardStatefulSet {
  private ShardStatefulSet() {}

  public static StatefulSet desired(ClusterView c) {
    String name = Names.shards(c.name());
    List<EnvVar> env = new ArrayList<>(PodParts.identity("SHARDLITE_NODE_ID"));
    env.add(PodParts.env("SHARDLITE_CLUSTER", c.name()));
    env.add(PodParts.env("SHARDLITE_DATA_DIR", PodParts.dataDir()));
    env.add(PodParts.env("SHARDLITE_SHARDS", Integer.toString(c.spec().shards())));
    env.add(PodParts.env("SHARDLITE_REPLICATION_FACTOR", Integer.toString(c.spec().replicationFactor())));
    // The pods of the first start: they create the initial placement. Never changes afterwards, so
    // pods added later start empty and receive replicas by membership changes.
    env.add(PodParts.env("SHARDLITE_PEERS",
        Names.peers(name, c.namespace(), c.bootstrapShardPods(), Names.SHARD_RATIS_PORT)));
    // Read from the ConfigMap at pod start, so recording it changes no pod template: "never" once
    // the cluster exists, so a pod whose volume was replaced starts empty instead of bootstrapping.
    env.add(new EnvVarBuilder().withName("SHARDLITE_BOOTSTRAP").withNewValueFrom().withNewConfigMapKeyRef()
        .withName(Names.config(c.name())).withKey(ClusterConfigMap.SHARD_BOOTSTRAP).withOptional(true)
        .endConfigMapKeyRef().endValueFrom().build());
    env.add(PodParts.env("SHARDLITE_RATIS_PORT", Integer.toString(Names.SHARD_RATIS_PORT)));
    env.add(PodParts.env("SHARDLITE_GRPC_PORT", Integer.toString(Names.SHARD_GRPC_PORT)));
    env.add(PodParts.env("SHARDLITE_METRICS_PORT", Integer.toString(Names.SHARD_METRICS_PORT)));
    StatefulSet sts = RaftStatefulSet.of(c, name, Names.SHARD, c.shardPodsNow(), Names.SHARD_METRICS_PORT, 60,
        PodParts.server("shard-server", c.spec().imageRef(), "shard-server", env, c.rawShardPods().getResources(),
            PodParts.raftPorts(Names.SHARD_RATIS_PORT, Names.SHARD_GRPC_PORT, Names.SHARD_METRICS_PORT),
            Names.SHARD_METRICS_PORT, true),
        c.spec().shardStorageSize(), c.spec().shardStorageClass());
    // Where shard pods may run: the user's scheduling constraints.
    PodSpec pod = RaftStatefulSet.podSpec(sts);
    pod.setAffinity(c.rawShardPods().getAffinity());
    pod.setTolerations(c.rawShardPods().getTolerations());
    pod.setTopologySpreadConstraints(c.rawShardPods().getTopologySpreadConstraints());
    pod.setNodeSelector(c.rawShardPods().getNodeSelector());
    return sts;
  }
}
