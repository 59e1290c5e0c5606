package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.shardlite.operator.EffectiveSpec;
import io.shardlite.operator.Names;
import io.shardlite.operator.crd.ShardCluster;
import io.shardlite.operator.crd.ShardClusterSpec;
import io.shardlite.operator.crd.ShardPodsSpec;
import java.util.Optional;

/**
 * Everything a child's desired state depends on: the resource, its effective spec, how many shard
 * pods the StatefulSet should have now (the scaling rules may hold it above the spec while
 * replicas move), the bootstrap shard pods fixed at creation, and whether the cluster exists (every
 * bootstrap pod was ready once: from then on no shard pod may bootstrap again).
 */
public record ClusterView(ShardCluster resource, EffectiveSpec spec, int shardPodsNow, int bootstrapShardPods,
    boolean established) {

  public String name() {
    return resource.getMetadata().getName();
  }

  public String namespace() {
    return resource.getMetadata().getNamespace();
  }

  public ShardClusterSpec raw() {
    return Optional.ofNullable(resource.getSpec()).orElseGet(ShardClusterSpec::new);
  }

  public ShardPodsSpec rawShardPods() {
    return Optional.ofNullable(raw().getShardPods()).orElseGet(ShardPodsSpec::new);
  }

  /** Metadata of a child: name, namespace, labels, and the cluster as controlling owner (garbage collection). */
  public ObjectMeta meta(String childName, String component) {
    return new ObjectMetaBuilder().withName(childName).withNamespace(namespace())
        .withLabels(Names.labels(name(), component)).withOwnerReferences(owner()).build();
  }

  public OwnerReference owner() {
    return new OwnerReferenceBuilder().withApiVersion(resource.getApiVersion()).withKind(resource.getKind())
        .withName(name()).withUid(resource.getMetadata().getUid()).withController(true)
        .withBlockOwnerDeletion(true).build();
  }
}
