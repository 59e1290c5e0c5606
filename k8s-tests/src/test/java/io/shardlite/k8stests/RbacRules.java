package io.shardlite.k8stests;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Permissions as a set of single grants "group/resource: verb", so two rule lists compare
 * independently of how they are grouped into rules.
 */
final class RbacRules {
  private RbacRules() {}

  static Set<String> grants(Collection<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : rules) {
      if (rule.getNonResourceURLs() != null && !rule.getNonResourceURLs().isEmpty()) {
        rule.getNonResourceURLs().forEach(u -> rule.getVerbs().forEach(v -> out.add("nonResourceURL " + u + ": " + v)));
      }
      if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
        throw new IllegalArgumentException("resourceNames are not compared: " + rule);
      }
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            out.add(group + "/" + resource + ": " + verb);
          }
        }
      }
    }
    return out;
  }

  /** Every grant of the rendered Roles and ClusterRoles together. */
  static Set<String> grants(Manifests manifests) {
    return grants(Stream.concat(manifests.all(Role.class).stream().flatMap(r -> r.getRules().stream()),
        manifests.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream())).toList());
  }

  /**
   * The grants the operator needs, read from a YAML file of Kubernetes objects: the union of the
   * rules of every Role and ClusterRole in it. The format of the operator's generated manifest
   * (operator/target/kubernetes/kubernetes.yml), so the file can be swapped for that one.
   */
  static Set<String> requiredFrom(Path yamlFile) throws IOException {
    Manifests manifests = Manifests.parse(Files.readString(yamlFile));
    List<HasMetadata> roles = manifests.items().stream()
        .filter(i -> i instanceof Role || i instanceof ClusterRole).toList();
    if (roles.isEmpty()) {
      throw new IllegalArgumentException(yamlFile + " has no Role or ClusterRole");
    }
    return grants(manifests);
  }
}
