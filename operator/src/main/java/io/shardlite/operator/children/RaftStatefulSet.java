package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.shardlite.operator.Names;

/**
 * What the shard and sequencer StatefulSets share. {@code OnDelete} updates: the operator, not the
 * StatefulSet controller, decides which pod restarts when (a pod hosts Raft members). Pods start
 * in parallel (a Raft group needs its peers up to elect a leader); volumes are kept on deletion and
 * scale-in.
 */
final class RaftStatefulSet {
  private RaftStatefulSet() {}

  static StatefulSet of(ClusterView c, String name, String component, int replicas, int metricsPort,
      long graceSeconds, Container container, String storageSize, String storageClass) {
    return new StatefulSetBuilder()
        .withMetadata(c.meta(name, component))
        .withNewSpec()
          .withReplicas(replicas)
          .withServiceName(name)
          .withPodManagementPolicy("Parallel")
          .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
          .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted("Retain").withWhenScaled("Retain")
          .endPersistentVolumeClaimRetentionPolicy()
          .withNewSelector().withMatchLabels(Names.selector(c.name(), component)).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(Names.labels(c.name(), component))
              .withAnnotations(PodParts.scrapeAnnotations(c.spec().metrics(), metricsPort)).endMetadata()
            .withNewSpec()
              .withSecurityContext(PodParts.pod())
              .withTerminationGracePeriodSeconds(graceSeconds)
              .addToContainers(container)
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
            .endSpec()
          .endTemplate()
          .withVolumeClaimTemplates(claim(storageSize, storageClass))
        .endSpec()
        .build();
  }

  static PodSpec podSpec(StatefulSet sts) {
    return sts.getSpec().getTemplate().getSpec();
  }

  private static PersistentVolumeClaim claim(String size, String storageClass) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("data").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(storageClass)
          .withNewResources().addToRequests("storage", new Quantity(size)).endResources()
        .endSpec().build();
  }
}
