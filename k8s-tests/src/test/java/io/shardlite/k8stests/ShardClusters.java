package io.shardlite.k8stests;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;

/** ShardCluster objects through Fabric8's generic resources, and what their status says. */
final class ShardClusters {
  static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
      .withGroup("shardlite.io").withVersion("v1alpha1").withKind("ShardCluster").withPlural("shardclusters")
      .withNamespaced(true).build();

  private ShardClusters() {}

  static Resource<GenericKubernetesResource> resource(KubernetesClient k8s, String namespace, String name) {
    return k8s.genericKubernetesResources(CONTEXT).inNamespace(namespace).withName(name);
  }

  /** A small cluster of the given pod image (repository:tag). */
  static GenericKubernetesResource manifest(String namespace, String name, String image, int shards, int shardPods,
      int virtualMasters) {
    int colon = image.lastIndexOf(':');
    if (colon < image.lastIndexOf('/') + 1) {
      throw new IllegalArgumentException("image " + image + " has no tag");
    }
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("shardlite.io/v1alpha1").withKind("ShardCluster")
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of(
            "shards", shards,
            "replicationFactor", 3,
            "image", image.substring(0, colon),
            "version", image.substring(colon + 1),
            "shardPods", Map.of("replicas", shardPods, "storage", Map.of("size", "1Gi")),
            "sequencer", Map.of("replicas", 3, "storage", Map.of("size", "1Gi")),
            "virtualMasters", Map.of("replicas", virtualMasters))))
        .build();
  }

  static void patchSpec(KubernetesClient k8s, String namespace, String name, String specJson) {
    resource(k8s, namespace, name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
  }

  /**
   * Ready in the sense GitOps tools read it: the operator observed the current generation and its
   * Ready condition is True.
   */
  static boolean readyAtCurrentGeneration(GenericKubernetesResource cluster) {
    if (cluster == null) {
      return false;
    }
    Long generation = cluster.getMetadata().getGeneration();
    Number observed = cluster.get("status", "observedGeneration");
    List<Map<String, Object>> conditions = cluster.get("status", "conditions");
    return generation != null && observed != null && observed.longValue() == generation && conditions != null
        && conditions.stream().anyMatch(c -> "Ready".equals(c.get("type")) && "True".equals(c.get("status")));
  }

  static String describe(GenericKubernetesResource cluster) {
    return cluster == null ? "absent" : "generation " + cluster.getMetadata().getGeneration() + ", status "
        + cluster.getAdditionalProperties().get("status");
  }

  /** Pods of one component that are Ready and not being deleted. */
  static List<Pod> readyPods(KubernetesClient k8s, String namespace, String cluster, String component) {
    return k8s.pods().inNamespace(namespace)
        .withLabel("app.kubernetes.io/instance", cluster)
        .withLabel("app.kubernetes.io/component", component)
        .list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(ShardClusters::isReady)
        .toList();
  }

  static boolean isReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch((PodCondition c) -> "Ready".equals(c.getType())
            && "True".equals(c.getStatus()));
  }
}
