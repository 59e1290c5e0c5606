package io.shardlite.k8stests;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Rendered manifests parsed by Fabric8: every apiVersion/kind it knows becomes its typed model
 * class (Deployment, Role, CustomResourceDefinition, ...); others (ServiceMonitor, ShardCluster)
 * stay {@link GenericKubernetesResource}.
 */
final class Manifests {
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final List<HasMetadata> items;
  private final String yaml;

  private Manifests(List<HasMetadata> items, String yaml) {
    this.items = List.copyOf(items);
    this.yaml = yaml;
  }

  static Manifests parse(String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    // One document at a time, so an empty document (a template that rendered nothing) is skipped.
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      Object parsed = SERIALIZATION.unmarshal(doc);
      if (parsed instanceof KubernetesList list) {
        out.addAll(list.getItems());
      } else if (parsed instanceof HasMetadata resource) {
        out.add(resource);
      } else {
        throw new IllegalStateException("not a Kubernetes object: " + doc);
      }
    }
    return new Manifests(out, yaml);
  }

  List<HasMetadata> items() {
    return items;
  }

  String yaml() {
    return yaml;
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return items.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Objects of an apiVersion/kind Fabric8 has no class for. */
  List<GenericKubernetesResource> generic(String kind) {
    return all(GenericKubernetesResource.class).stream().filter(r -> kind.equals(r.getKind())).toList();
  }

  <T extends HasMetadata> T one(Class<T> type, String name) {
    List<T> found = all(type).stream().filter(r -> Objects.equals(name, r.getMetadata().getName())).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + " named " + name + ", found " + found.size()
          + " in:\n" + yaml);
    }
    return found.get(0);
  }

  <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size() + " in:\n" + yaml);
    }
    return found.get(0);
  }
}
