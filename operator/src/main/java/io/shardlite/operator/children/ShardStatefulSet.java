package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.shardlite.operator.Names;
import java.util.ArrayList;
import java.util.List;

/**
 * The shard servers' StatefulSet. {@code OnDelete} updates: the operator, not the StatefulSet
 * controller, decides which pod restarts when (a shard pod hosts many Raft members). Pods start in
 * parallel: a Raft group needs its peers up to elect a leader.
 */
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
    env.add(PodParts.env("SHARDLITE_RATIS_PORT", Integer.toString(Names.SHARD_RATIS_PORT)));
    env.add(PodParts.env("SHARDLITE_GRPC_PORT", Integer.toString(Names.SHARD_GRPC_PORT)));
    env.add(PodParts.env("SHARDLITE_METRICS_PORT", Integer.toString(Names.SHARD_METRICS_PORT)));
    ResourceRequirements resources = c.rawShardPods().getResources();
    return new StatefulSetBuilder()
        .withMetadata(c.meta(name, Names.SHARD))
        .withNewSpec()
          .withReplicas(c.shardPodsNow())
          .withServiceName(name)
          .withPodManagementPolicy("Parallel")
          .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
          .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted("Retain").withWhenScaled("Retain")
          .endPersistentVolumeClaimRetentionPolicy()
          .withNewSelector().withMatchLabels(Names.selector(c.name(), Names.SHARD)).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(Names.labels(c.name(), Names.SHARD))
              .withAnnotations(PodParts.scrapeAnnotations(c.spec().metrics(), Names.SHARD_METRICS_PORT)).endMetadata()
            .withNewSpec()
              .withSecurityContext(PodParts.pod())
              .withTerminationGracePeriodSeconds(60L)
              .withAffinity(c.rawShardPods().getAffinity())
              .withTolerations(c.rawShardPods().getTolerations())
              .withTopologySpreadConstraints(c.rawShardPods().getTopologySpreadConstraints())
              .withNodeSelector(c.rawShardPods().getNodeSelector())
              .addToContainers(new ContainerBuilder()
                  .withName("shard-server")
                  .withImage(c.spec().imageRef())
                  .withArgs("serve", "shard-server")
                  .withEnv(env)
                  .addNewPort().withName("ratis").withContainerPort(Names.SHARD_RATIS_PORT).endPort()
                  .addNewPort().withName("grpc").withContainerPort(Names.SHARD_GRPC_PORT).endPort()
                  .addNewPort().withName("metrics").withContainerPort(Names.SHARD_METRICS_PORT).endPort()
                  .withResources(resources)
                  .withStartupProbe(PodParts.startup(Names.SHARD_METRICS_PORT))
                  .withLivenessProbe(PodParts.liveness(Names.SHARD_METRICS_PORT))
                  .withReadinessProbe(PodParts.readiness(Names.SHARD_METRICS_PORT))
                  .withSecurityContext(PodParts.container())
                  .addNewVolumeMount().withName("data").withMountPath(PodParts.dataDir()).endVolumeMount()
                  .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                  .build())
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
            .endSpec()
          .endTemplate()
          .withVolumeClaimTemplates(claim(c.spec().shardStorageSize(), c.spec().shardStorageClass()))
        .endSpec()
        .build();
  }

  static PersistentVolumeClaim claim(String size, String storageClass) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("data").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(storageClass)
          .withNewResources().addToRequests("storage", new Quantity(size)).endResources()
        .endSpec().build();
  }
}
