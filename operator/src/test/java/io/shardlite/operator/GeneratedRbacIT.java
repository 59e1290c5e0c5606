package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The role the Quarkus build generates (target/kubernetes/kubernetes.yml, what the Helm chart is
 * checked against) grants exactly the documented permissions: one line per group/resource/verb.
 */
class GeneratedRbacIT {
  private static final Set<String> DOCUMENTED = new TreeSet<>(List.of(
      "shardlite.io/shardclusters: create,delete,get,list,patch,update,watch",
      "shardlite.io/shardclusters/status: create,delete,get,list,patch,update,watch",
      "shardlite.io/shardclusters/finalizers: create,delete,get,list,patch,update,watch",
      "apps/statefulsets: create,delete,get,list,patch,update,watch",
      "apps/deployments: create,delete,get,list,patch,update,watch",
      "/services: create,delete,get,list,patch,update,watch",
      "/configmaps: create,delete,get,list,patch,update,watch",
      "policy/poddisruptionbudgets: create,delete,get,list,patch,update,watch",
      "/pods: delete,get,list,watch",
      "/events: create,patch",
      "coordination.k8s.io/leases: create,get,update",
      "monitoring.coreos.com/servicemonitors: create,delete,get,patch,update"));

  @Test
  void theGeneratedRoleGrantsExactlyTheDocumentedPermissions() throws IOException {
    Path manifest = Path.of("target", "kubernetes", "kubernetes.yml");
    assertThat(manifest).as("the Quarkus build writes the operator's manifests").exists();
    List<HasMetadata> items;
    try (InputStream in = Files.newInputStream(manifest)) {
      Object parsed = Serialization.unmarshal(in);
      // Several YAML documents come back as a list.
      items = parsed instanceof List<?> l ? l.stream().map(HasMetadata.class::cast).toList()
          : parsed instanceof KubernetesList kl ? kl.getItems() : List.of((HasMetadata) parsed);
    }
    List<ClusterRole> roles = items.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast).toList();
    assertThat(roles).hasSize(1);
    Set<String> granted = new TreeSet<>();
    for (PolicyRule rule : roles.get(0).getRules()) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          granted.add(group + "/" + resource + ": " + String.join(",", new TreeSet<>(rule.getVerbs())));
        }
      }
    }
    assertThat(granted).isEqualTo(DOCUMENTED);
    assertThat(items).noneMatch(i -> "RoleBinding".equals(i.getKind()) || "Role".equals(i.getKind()))
        .as("no binding to a built-in role beyond ours");
  }
}
