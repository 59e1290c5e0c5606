package io.shardlite.k8stests;

import static io.shardlite.k8stests.ChartUnderTest.FULLNAME;
import static io.shardlite.k8stests.ChartUnderTest.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every value reaches the object it is meant for. */
class ChartValuesTest {
  private static PodSpec pod(Manifests m) {
    return m.one(Deployment.class).getSpec().getTemplate().getSpec();
  }

  private static Container operator(Manifests m) {
    return pod(m).getContainers().get(0);
  }

  @Test
  void imageRepositoryTagAndPullPolicy() {
    Manifests m = ChartUnderTest.render(Map.of("image.repository", "registry.example.com/db/op", "image.tag", "1.4.2",
        "image.pullPolicy", "Always"));
    assertThat(operator(m).getImage()).isEqualTo("registry.example.com/db/op:1.4.2");
    assertThat(operator(m).getImagePullPolicy()).isEqualTo("Always");
  }

  @Test
  void anImageCanBePinnedByDigest() {
    String digest = "@sha256:" + "0123456789abcdef".repeat(4);
    assertThat(operator(ChartUnderTest.render(Map.of("image.tag", digest))).getImage())
        .isEqualTo("ghcr.io/shardlite/shardlite-operator" + digest);
  }

  @Test
  void pullSecrets() {
    Manifests m = ChartUnderTest.render("imagePullSecrets: [{name: regcred}, {name: mirror}]", Map.of());
    assertThat(pod(m).getImagePullSecrets()).extracting(LocalObjectReference::getName).containsExactly("regcred", "mirror");
    assertThat(pod(ChartUnderTest.render()).getImagePullSecrets()).isNullOrEmpty();
  }

  @Test
  void resources() {
    Manifests m = ChartUnderTest.render(Map.of("resources.requests.cpu", "250m", "resources.limits.memory", "1Gi"));
    assertThat(operator(m).getResources().getRequests()).containsEntry("cpu", new Quantity("250m"))
        .containsEntry("memory", new Quantity("256Mi"));
    assertThat(operator(m).getResources().getLimits()).containsEntry("memory", new Quantity("1Gi"));
  }

  @Test
  void schedulingNodeSelectorTolerationsAffinityAndPriority() {
    Manifests m = ChartUnderTest.render("""
        nodeSelector: {node-role.example.com/db: "true"}
        tolerations:
          - {key: dedicated, operator: Equal, value: db, effect: NoSchedule}
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
                - matchExpressions:
                    - {key: kubernetes.io/arch, operator: In, values: [amd64]}
        priorityClassName: system-cluster-critical
        """, Map.of());
    PodSpec pod = pod(m);
    assertThat(pod.getNodeSelector()).containsExactly(Map.entry("node-role.example.com/db", "true"));
    assertThat(pod.getTolerations()).singleElement().satisfies((Toleration t) -> {
      assertThat(t.getKey()).isEqualTo("dedicated");
      assertThat(t.getValue()).isEqualTo("db");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms().get(0).getMatchExpressions().get(0).getValues()).containsExactly("amd64");
    assertThat(pod.getPriorityClassName()).isEqualTo("system-cluster-critical");
    ModelChecks.assertValid(m);
    PodSpec plain = pod(ChartUnderTest.render());
    assertThat(plain.getNodeSelector()).isNullOrEmpty();
    assertThat(plain.getTolerations()).isNullOrEmpty();
    assertThat(plain.getAffinity()).isNull();
  }

  @Test
  void securityContexts() {
    Manifests m = ChartUnderTest.render(Map.of("podSecurityContext.runAsUser", 1001, "podSecurityContext.fsGroup", 2000,
        "securityContext.readOnlyRootFilesystem", true));
    assertThat(pod(m).getSecurityContext().getRunAsUser()).isEqualTo(1001L);
    assertThat(pod(m).getSecurityContext().getFsGroup()).isEqualTo(2000L);
    assertThat(pod(m).getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(operator(m).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(pod(ChartUnderTest.render()).getSecurityContext().getRunAsUser()).as("the Quarkus image's user").isEqualTo(185L);
  }

  @Test
  void serviceMonitorOnAndOff() {
    assertThat(ChartUnderTest.render().generic("ServiceMonitor")).isEmpty();
    Manifests m = ChartUnderTest.render(Map.of("serviceMonitor.enabled", true, "serviceMonitor.interval", "15s",
        "serviceMonitor.labels.release", "prometheus"));
    GenericKubernetesResource monitor = m.generic("ServiceMonitor").get(0);
    assertThat(m.generic("ServiceMonitor")).hasSize(1);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Service metrics = m.one(Service.class, FULLNAME + "-metrics");
    @SuppressWarnings("unchecked")
    Map<String, String> selector = (Map<String, String>) ((Map<String, Object>) monitor.get("spec", "selector")).get("matchLabels");
    assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(selector);
    List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
    assertThat(endpoints).singleElement().satisfies(e -> {
      assertThat(e).containsEntry("port", "http").containsEntry("path", "/q/metrics").containsEntry("interval", "15s");
      assertThat(metrics.getSpec().getPorts()).anyMatch(p -> p.getName().equals(e.get("port")));
    });
  }

  @Test
  void aServiceMonitorWithoutTheMetricsServiceIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChartUnderTest.render(
        Map.of("serviceMonitor.enabled", true, "metrics.service.enabled", false)))
        .hasMessageContaining("serviceMonitor.enabled needs metrics.service.enabled");
    assertThat(ChartUnderTest.render(Map.of("metrics.service.enabled", false)).all(Service.class)).isEmpty();
  }

  @Test
  void watchNamespacesReachTheOperatorAndClusterWideWatchesAll() {
    assertThat(ChartManifestsTest.watchedNamespaces(ChartUnderTest.render("watchNamespaces: [team-a, team-b]", Map.of())))
        .isEqualTo("team-a,team-b");
    assertThat(ChartManifestsTest.watchedNamespaces(ChartUnderTest.render(Map.of("clusterWide", true))))
        .isEqualTo("JOSDK_ALL_NAMESPACES");
  }

  @Test
  void anOptionalShardClusterFromValues() {
    assertThat(ChartUnderTest.render().generic("ShardCluster")).isEmpty();
    Manifests m = ChartUnderTest.render("""
        shardCluster:
          create: true
          name: bank
          spec:
            shards: 32
            replicationFactor: 3
            shardPods: {replicas: 5}
            virtualMasters: {replicas: 3}
            version: "0.1.0"
        """, Map.of());
    GenericKubernetesResource cluster = m.generic("ShardCluster").get(0);
    assertThat(cluster.getMetadata().getName()).isEqualTo("bank");
    assertThat(cluster.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    Map<String, Object> spec = cluster.get("spec");
    assertThat(spec).containsEntry("shards", 32).containsEntry("replicationFactor", 3).containsEntry("version", "0.1.0")
        .containsEntry("shardPods", Map.of("replicas", 5)).containsEntry("virtualMasters", Map.of("replicas", 3))
        .containsEntry("sequencer", Map.of("replicas", 3));
    // It names the apiVersion and kind the chart's CRD serves.
    CustomResourceDefinition crd = m.one(CustomResourceDefinition.class);
    assertThat(cluster.getApiVersion()).isEqualTo(crd.getSpec().getGroup() + "/" + crd.getSpec().getVersions().get(0).getName());
    assertThat(cluster.getKind()).isEqualTo(crd.getSpec().getNames().getKind());
    ModelChecks.assertValid(m);
  }

  @Test
  void anExistingServiceAccount() {
    Manifests m = ChartUnderTest.render(Map.of("serviceAccount.create", false, "serviceAccount.name", "platform-operators"));
    assertThat(m.all(ServiceAccount.class)).isEmpty();
    assertThat(pod(m).getServiceAccountName()).isEqualTo("platform-operators");
    assertThat(m.all(io.fabric8.kubernetes.api.model.rbac.RoleBinding.class))
        .allSatisfy(b -> assertThat(b.getSubjects().get(0).getName()).isEqualTo("platform-operators"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChartUnderTest.render(Map.of("serviceAccount.create", false)))
        .hasMessageContaining("serviceAccount.name is required");
  }

  @Test
  void replicasExtraEnvPodMetadataAndNames() {
    Manifests m = ChartUnderTest.render("""
        replicaCount: 2
        fullnameOverride: db-operator
        extraEnv: [{name: JAVA_OPTS_APPEND, value: "-XX:MaxRAMPercentage=75"}]
        podAnnotations: {example.com/team: db}
        podLabels: {team: db}
        """, Map.of());
    Deployment d = m.one(Deployment.class, "db-operator");
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(operator(m).getEnv()).anyMatch(e -> e.getName().equals("JAVA_OPTS_APPEND")
        && e.getValue().equals("-XX:MaxRAMPercentage=75"));
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("example.com/team", "db");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "db");
    assertThat(m.items()).filteredOn(i -> !(i instanceof CustomResourceDefinition))
        .allSatisfy(i -> assertThat(i.getMetadata().getName()).startsWith("db-operator"));
    ModelChecks.assertValid(m);
  }
}
