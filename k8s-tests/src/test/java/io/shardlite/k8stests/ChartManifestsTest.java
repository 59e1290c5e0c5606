package io.shardlite.k8stests;

import static io.shardlite.k8stests.ChartUnderTest.FULLNAME;
import static io.shardlite.k8stests.ChartUnderTest.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default install: every object valid for its kind, and the operator Deployment as designed. */
class ChartManifestsTest {
  private final Manifests manifests = ChartUnderTest.render();

  @Test
  void everyObjectIsValidForTheKindItNames() {
    assertThat(manifests.items()).isNotEmpty();
    ModelChecks.assertValid(manifests);
  }

  @Test
  void everyObjectIsValidWithEveryOptionOn() {
    Manifests all = ChartUnderTest.render("""
        replicaCount: 2
        clusterWide: true
        serviceMonitor: {enabled: true}
        shardCluster: {create: true}
        imagePullSecrets: [{name: regcred}]
        """, Map.of());
    ModelChecks.assertValid(all);
    assertThat(all.items().stream().map(HasMetadata::getKind).distinct()).contains("ClusterRole", "ClusterRoleBinding",
        "ServiceMonitor", "ShardCluster", "PodDisruptionBudget");
  }

  @Test
  void severalOperatorReplicasGetADisruptionBudgetAndOneGetsNone() {
    assertThat(manifests.all(PodDisruptionBudget.class)).as("a single replica's budget would block drains").isEmpty();
    Manifests two = ChartUnderTest.render(Map.of("replicaCount", 2));
    PodDisruptionBudget pdb = two.one(PodDisruptionBudget.class, FULLNAME);
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(two.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
  }

  @Test
  void theDefaultInstallHasExactlyTheseObjects() {
    assertThat(manifests.items().stream().map(i -> i.getKind() + "/" + i.getMetadata().getName()).sorted())
        .containsExactly(
            "CustomResourceDefinition/shardclusters.shardlite.io",
            "Deployment/" + FULLNAME,
            "Role/" + FULLNAME,
            "Role/" + FULLNAME + "-leader-election",
            "RoleBinding/" + FULLNAME,
            "RoleBinding/" + FULLNAME + "-leader-election",
            "Service/" + FULLNAME + "-metrics",
            "ServiceAccount/" + FULLNAME);
  }

  @Test
  void everyNamespacedObjectLivesInTheReleaseNamespaceByDefault() {
    for (HasMetadata item : manifests.items()) {
      if (!(item instanceof CustomResourceDefinition)) {
        assertThat(item.getMetadata().getNamespace()).as(item.getKind()).isEqualTo(NAMESPACE);
      }
    }
    assertThat(manifests.all(ClusterRole.class)).as("namespaced by default").isEmpty();
  }

  @Test
  void theOperatorRunsLockedDownWithAWritableTmp() {
    PodSpec pod = manifests.one(Deployment.class, FULLNAME).getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo(manifests.one(ServiceAccount.class).getMetadata().getName());
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container operator = pod.getContainers().get(0);
    assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(operator.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(operator.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(operator.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp") && !Boolean.TRUE.equals(m.getReadOnly()));
    assertThat(pod.getVolumes()).anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null);
  }

  @Test
  void probesUseTheQuarkusHealthEndpointsOnPort8080() {
    Container operator = manifests.one(Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getPorts()).anyMatch(p -> p.getContainerPort() == 8080 && "http".equals(p.getName()));
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    assertThat(operator.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(operator.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
    assertThat(operator.getStartupProbe().getFailureThreshold() * operator.getStartupProbe().getPeriodSeconds())
        .as("seconds a slow JVM start gets before liveness applies").isGreaterThanOrEqualTo(60);
  }

  @Test
  void byDefaultTheOperatorWatchesTheReleaseNamespace() {
    assertThat(watchedNamespaces(manifests)).isEqualTo(NAMESPACE);
    assertThat(manifests.all(Role.class).stream().map(r -> r.getMetadata().getNamespace()).distinct())
        .containsExactly(NAMESPACE);
    assertThat(manifests.all(RoleBinding.class)).allSatisfy(b -> assertThat(b.getSubjects())
        .singleElement().satisfies(s -> {
          assertThat(s.getName()).isEqualTo(FULLNAME);
          assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
        }));
  }

  @Test
  void theMetricsServiceSelectsTheOperatorPodOnPort8080() {
    Deployment deployment = manifests.one(Deployment.class, FULLNAME);
    Service metrics = manifests.one(Service.class, FULLNAME + "-metrics");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(metrics.getSpec().getSelector());
    assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(8080);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
  }

  @Test
  void theImageDefaultsToTheChartsAppVersion() {
    Container operator = manifests.one(Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getImage()).isEqualTo("ghcr.io/shardlite/shardlite-operator:0.1.0-SNAPSHOT");
    assertThat(operator.getImagePullPolicy()).isEqualTo("IfNotPresent");
  }

  static String watchedNamespaces(Manifests manifests) {
    List<EnvVar> env = manifests.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    return env.stream().filter(e -> e.getName().equals("QUARKUS_OPERATOR_SDK_CONTROLLERS_SHARDCLUSTER_NAMESPACES"))
        .map(EnvVar::getValue).findFirst().orElseThrow();
  }

  static Map<String, String> labels(HasMetadata item) {
    return item.getMetadata().getLabels();
  }
}
