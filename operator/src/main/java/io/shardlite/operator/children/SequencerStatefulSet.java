package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.shardlite.operator.Names;
import io.shardlite.operator.crd.SequencerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The sequencer replicas' StatefulSet: one Raft group whose peers are all its pods. */
public final class SequencerStatefulSet {
  private SequencerStatefulSet() {}

  public static StatefulSet desired(ClusterView c) {
    String name = Names.sequencer(c.name());
    SequencerSpec raw = Optional.ofNullable(c.raw().getSequencer()).orElseGet(SequencerSpec::new);
    List<EnvVar> env = new ArrayList<>(PodParts.identity("SHARDLITE_NODE_ID"));
    env.add(PodParts.env("SHARDLITE_CLUSTER", c.name()));
    env.add(PodParts.env("SHARDLITE_DATA_DIR", PodParts.dataDir()));
    env.add(PodParts.env("SHARDLITE_SHARDS", Integer.toString(c.spec().shards())));
    env.add(PodParts.env("SHARDLITE_PEERS",
        Names.peers(name, c.namespace(), c.spec().sequencers(), Names.SEQUENCER_RATIS_PORT)));
    env.add(PodParts.env("SHARDLITE_RATIS_PORT", Integer.toString(Names.SEQUENCER_RATIS_PORT)));
    env.add(PodParts.env("SHARDLITE_GRPC_PORT", Integer.toString(Names.SEQUENCER_GRPC_PORT)));
    env.add(PodParts.env("SHARDLITE_METRICS_PORT", Integer.toString(Names.SEQUENCER_METRICS_PORT)));
    return new StatefulSetBuilder()
        .withMetadata(c.meta(name, Names.SEQUENCER))
        .withNewSpec()
          .withReplicas(c.spec().sequencers())
          .withServiceName(name)
          .withPodManagementPolicy("Parallel")
          .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
          .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted("Retain").withWhenScaled("Retain")
          .endPersistentVolumeClaimRetentionPolicy()
          .withNewSelector().withMatchLabels(Names.selector(c.name(), Names.SEQUENCER)).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(Names.labels(c.name(), Names.SEQUENCER))
              .withAnnotations(PodParts.scrapeAnnotations(c.spec().metrics(), Names.SEQUENCER_METRICS_PORT))
            .endMetadata()
            .withNewSpec()
              .withSecurityContext(PodParts.pod())
              .withTerminationGracePeriodSeconds(30L)
              .addToContainers(new ContainerBuilder()
                  .withName("sequencer")
                  .withImage(c.spec().imageRef())
                  .withArgs("serve", "sequencer")
                  .withEnv(env)
                  .addNewPort().withName("ratis").withContainerPort(Names.SEQUENCER_RATIS_PORT).endPort()
                  .addNewPort().withName("grpc").withContainerPort(Names.SEQUENCER_GRPC_PORT).endPort()
                  .addNewPort().withName("metrics").withContainerPort(Names.SEQUENCER_METRICS_PORT).endPort()
                  .withResources(raw.getResources())
                  .withStartupProbe(PodParts.startup(Names.SEQUENCER_METRICS_PORT))
                  .withLivenessProbe(PodParts.liveness(Names.SEQUENCER_METRICS_PORT))
                  .withReadinessProbe(PodParts.readiness(Names.SEQUENCER_METRICS_PORT))
                  .withSecurityContext(PodParts.container())
                  .addNewVolumeMount().withName("data").withMountPath(PodParts.dataDir()).endVolumeMount()
                  .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                  .build())
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
            .endSpec()
          .endTemplate()
          .withVolumeClaimTemplates(ShardStatefulSet.claim(c.spec().sequencerStorageSize(),
              c.spec().sequencerStorageClass()))
        .endSpec()
        .build();
  }
}
