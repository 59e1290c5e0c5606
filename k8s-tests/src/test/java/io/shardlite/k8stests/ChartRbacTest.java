package io.shardlite.k8stests;

import static io.shardlite.k8stests.ChartUnderTest.FULLNAME;
import static io.shardlite.k8stests.ChartUnderTest.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The chart grants the operator exactly the permissions it needs, read from one YAML file
 * (shardlite.rbac.required: the operator's contract operator/rbac/required-rbac.yml, which the
 * operator's generated role is checked against too, or the generated manifest itself), in every
 * RBAC mode.
 */
class ChartRbacTest {
  private static final String SERVICE_MONITORS = "monitoring.coreos.com/servicemonitors";

  /** The required grants; the one place that says where they come from. */
  static Set<String> required() throws IOException {
    Path file = Path.of(System.getProperty("shardlite.rbac.required", "../operator/rbac/required-rbac.yml"));
    return RbacRules.requiredFrom(file);
  }

  private static Set<String> withoutServiceMonitors(Set<String> grants) {
    Set<String> out = new TreeSet<>(grants);
    out.removeIf(g -> g.startsWith(SERVICE_MONITORS + ":"));
    return out;
  }

  @Test
  void theRequiredFileIsReadAsGrants() throws IOException {
    assertThat(required()).contains("shardlite.io/shardclusters: watch", "/pods: delete", "coordination.k8s.io/leases: create")
        .doesNotContain("/pods: create", "/secrets: get");
  }

  @Test
  void namespacedByDefaultTheChartGrantsExactlyTheRequiredPermissionsWithoutServiceMonitors() throws IOException {
    Manifests m = ChartUnderTest.render();
    assertThat(RbacRules.grants(m)).isEqualTo(withoutServiceMonitors(required()));
  }

  @Test
  void withTheServiceMonitorOptionTheChartGrantsExactlyTheRequiredPermissions() throws IOException {
    Manifests m = ChartUnderTest.render(Map.of("serviceMonitor.enabled", true));
    assertThat(RbacRules.grants(m)).isEqualTo(required());
  }

  @Test
  void clusterWideTheChartGrantsExactlyTheRequiredPermissions() throws IOException {
    Manifests m = ChartUnderTest.render(Map.of("clusterWide", true, "serviceMonitor.enabled", true));
    assertThat(RbacRules.grants(m)).isEqualTo(required());
    assertThat(RbacRules.grants(ChartUnderTest.render(Map.of("clusterWide", true))))
        .isEqualTo(withoutServiceMonitors(required()));
  }

  @Test
  void everyWatchedNamespaceGetsTheSameRoleAndOnlyTheReleaseNamespaceTheLease() throws IOException {
    Manifests m = ChartUnderTest.render("watchNamespaces: [team-a, team-b]", Map.of());
    assertThat(m.all(Role.class).stream().filter(r -> r.getMetadata().getName().equals(FULLNAME))
        .map(r -> r.getMetadata().getNamespace())).containsExactlyInAnyOrder("team-a", "team-b");
    for (Role role : m.all(Role.class)) {
      Set<String> grants = RbacRules.grants(role.getRules());
      if (role.getMetadata().getName().endsWith("-leader-election")) {
        assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(grants).allMatch(g -> g.startsWith("coordination.k8s.io/leases:"));
      } else {
        assertThat(grants).isEqualTo(withoutServiceMonitors(required()).stream()
            .filter(g -> !g.startsWith("coordination.k8s.io/")).collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
      }
    }
    assertThat(m.all(RoleBinding.class).stream().map(b -> b.getMetadata().getNamespace() + "/" + b.getRoleRef().getName()))
        .containsExactlyInAnyOrder("team-a/" + FULLNAME, "team-b/" + FULLNAME,
            NAMESPACE + "/" + FULLNAME + "-leader-election");
    assertThat(m.all(ClusterRole.class)).isEmpty();
    assertThat(m.all(ClusterRoleBinding.class)).isEmpty();
  }

  @Test
  void clusterWideUsesOneClusterRoleBoundToTheServiceAccount() {
    Manifests m = ChartUnderTest.render(Map.of("clusterWide", true));
    ClusterRole role = m.one(ClusterRole.class, FULLNAME);
    ClusterRoleBinding binding = m.one(ClusterRoleBinding.class, FULLNAME);
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getName()).isEqualTo(FULLNAME);
      assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
    });
    assertThat(m.all(Role.class)).as("only the leader-election Role").singleElement()
        .satisfies(r -> assertThat(r.getMetadata().getName()).isEqualTo(FULLNAME + "-leader-election"));
  }

  @Test
  void rbacCanBeLeftToTheUser() {
    Manifests m = ChartUnderTest.render(Map.of("rbac.create", false));
    assertThat(m.all(Role.class)).isEmpty();
    assertThat(m.all(RoleBinding.class)).isEmpty();
    assertThat(m.all(ClusterRole.class)).isEmpty();
  }
}
