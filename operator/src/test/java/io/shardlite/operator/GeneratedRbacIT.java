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
 * The role the Quarkus build generates (target/kubernetes/kubernetes.yml) grants exactly the
 * permissions of the contract in rbac/required-rbac.yml, which the Helm chart is checked against
 * too (k8s-tests' ChartRbacTest): one grant per group/resource/verb, however rules are grouped.
 */
class GeneratedRbacIT {
  @Test
  void theGeneratedRoleGrantsExactlyTheContractsPermissions() throws IOException {
    Path manifest = Path.of("target", "kubernetes", "kubernetes.yml");
    assertThat(manifest).as("the Quarkus build writes the operator's manifests").exists();
    List<HasMetadata> generated = parse(manifest);
    List<ClusterRole> roles = generated.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
        .toList();
    assertThat(roles).hasSize(1);
    List<HasMetadata> contract = parse(Path.of("rbac", "required-rbac.yml"));
    Set<String> required = new TreeSet<>();
    contract.stream().filter(ClusterRole.class::isInstance)
        .forEach(r -> required.addAll(grants(((ClusterRole) r).getRules())));
    assertThat(required).as("the contract lists permissions").contains("/pods: delete", "/events: create");
    assertThat(grants(roles.get(0).getRules())).isEqualTo(required);
    assertThat(generated).noneMatch(i -> "RoleBinding".equals(i.getKind()) || "Role".equals(i.getKind()))
        .as("no binding to a built-in role beyond ours");
  }

  private static List<HasMetadata> parse(Path yaml) throws IOException {
    try (InputStream in = Files.newInputStream(yaml)) {
      Object parsed = Serialization.unmarshal(in);
      // Several YAML documents come back as a list.
      return parsed instanceof List<?> l ? l.stream().map(HasMetadata.class::cast).toList()
          : parsed instanceof KubernetesList kl ? kl.getItems() : List.of((HasMetadata) parsed);
    }
  }

  private static Set<String> grants(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          rule.getVerbs().forEach(verb -> out.add(group + "/" + resource + ": " + verb));
        }
      }
    }
    return out;
  }
}
