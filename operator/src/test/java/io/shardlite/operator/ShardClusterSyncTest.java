package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.shardlite.operator.children.ClusterView;
import io.shardlite.operator.crd.ShardCluster;
import io.shardlite.operator.crd.ShardClusterStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconciliation against the fabric8 mock API server in CRUD mode (no CEL, no garbage collection). */
@EnableKubernetesMockClient(crud = true)
class ShardClusterSyncTest {
  static KubernetesClient client;

  /** Stands in for the shard pods' admin API: replicas hosted per pod. */
  private final Map<String, Integer> placement = new HashMap<>();
  private boolean placementVisible = true;
  private ShardClusterSync sync;

  @BeforeEach
  void setUp() {
    client.apps().statefulSets().inNamespace("db").delete();
    client.apps().deployments().inNamespace("db").delete();
    client.services().inNamespace("db").delete();
    client.configMaps().inNamespace("db").delete();
    client.resources(PodDisruptionBudget.class).inNamespace("db").delete();
    client.resources(ShardCluster.class).inNamespace("db").delete();
    ClusterProbe probe = (ClusterView c, int pods) -> placementVisible ? Optional.of(Map.copyOf(placement))
        : Optional.empty();
    sync = new ShardClusterSync(client, probe, Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));
  }

  private ShardCluster create(ShardCluster c) {
    return client.resource(c).create();
  }

  private ShardClusterStatus reconcile(String name) {
    ShardCluster cr = client.resources(ShardCluster.class).inNamespace("db").withName(name).get();
    ShardClusterStatus status = sync.reconcile(cr);
    cr.setStatus(status);
    client.resource(cr).updateStatus();
    return status;
  }

  private StatefulSet sts(String name) {
    return client.apps().statefulSets().inNamespace("db").withName(name).get();
  }

  private Deployment deployment(String name) {
    return client.apps().deployments().inNamespace("db").withName(name).get();
  }

  private static Map<String, String> env(List<EnvVar> env) {
    return env.stream().filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  private static Condition condition(ShardClusterStatus s, String type) {
    return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  private void markReady(String name, int shards, int sequencers, int vms) {
    StatefulSet s = sts(name + "-shard");
    s.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withReplicas(shards)
        .withReadyReplicas(shards).build());
    client.resource(s).updateStatus();
    StatefulSet q = sts(name + "-sequencer");
    q.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withReplicas(sequencers)
        .withReadyReplicas(sequencers).build());
    client.resource(q).updateStatus();
    Deployment d = deployment(name + "-vmaster");
    d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(vms)
        .withReadyReplicas(vms).build());
    client.resource(d).updateStatus();
  }

  @Test
  void aNewClusterGetsEveryChildWithTheRightSpec() {
    ShardCluster cr = create(ShardClusters.of("alpha", 16, 3, 2));
    ShardClusterStatus status = reconcile("alpha");

    StatefulSet shards = sts("alpha-shard");
    assertThat(shards.getSpec().getReplicas()).isEqualTo(3);
    assertThat(shards.getSpec().getServiceName()).isEqualTo("alpha-shard");
    assertThat(shards.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    assertThat(shards.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    var container = shards.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getArgs()).containsExactly("serve", "shard-server");
    assertThat(container.getImage()).isEqualTo("ghcr.io/shardlite/shardlite:0.1.0");
    assertThat(env(container.getEnv())).containsEntry("SHARDLITE_SHARDS", "16")
        .containsEntry("SHARDLITE_REPLICATION_FACTOR", "3").containsEntry("SHARDLITE_CLUSTER", "alpha")
        .containsEntry("SHARDLITE_PEERS", "alpha-shard-0=alpha-shard-0.alpha-shard.db.svc:7000,"
            + "alpha-shard-1=alpha-shard-1.alpha-shard.db.svc:7000,alpha-shard-2=alpha-shard-2.alpha-shard.db.svc:7000");
    assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("SHARDLITE_NODE_ID")
        && e.getValueFrom().getFieldRef().getFieldPath().equals("metadata.name"));
    assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("SHARDLITE_BIND_ADDRESS")
        && e.getValueFrom().getFieldRef().getFieldPath().equals("status.podIP"));
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(shards.getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests().get("storage"))
        .hasToString("10Gi");

    StatefulSet seq = sts("alpha-sequencer");
    assertThat(seq.getSpec().getReplicas()).isEqualTo(3);
    assertThat(env(seq.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()))
        .containsEntry("SHARDLITE_PEERS", "alpha-sequencer-0=alpha-sequencer-0.alpha-sequencer.db.svc:7100,"
            + "alpha-sequencer-1=alpha-sequencer-1.alpha-sequencer.db.svc:7100,"
            + "alpha-sequencer-2=alpha-sequencer-2.alpha-sequencer.db.svc:7100");

    Deployment vms = deployment("alpha-vmaster");
    assertThat(vms.getSpec().getReplicas()).isEqualTo(2);
    var vm = vms.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(vm.getArgs()).containsExactly("serve", "vmaster");
    assertThat(env(vm.getEnv())).containsEntry("SHARDLITE_SEQUENCER", "alpha-sequencer-0.alpha-sequencer.db.svc:7101,"
        + "alpha-sequencer-1.alpha-sequencer.db.svc:7101,alpha-sequencer-2.alpha-sequencer.db.svc:7101")
        .containsEntry("SHARDLITE_SHARD_SERVERS", "alpha-shard-0.alpha-shard.db.svc:7001,"
            + "alpha-shard-1.alpha-shard.db.svc:7001,alpha-shard-2.alpha-shard.db.svc:7001");
    assertThat(vms.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isGreaterThan(10);

    Service headless = client.services().inNamespace("db").withName("alpha-shard").get();
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(client.services().inNamespace("db").withName("alpha-sequencer").get().getSpec().getClusterIP())
        .isEqualTo("None");
    Service clientService = client.services().inNamespace("db").withName("alpha-client").get();
    assertThat(clientService.getSpec().getPorts()).anyMatch(p -> p.getPort() == 7201);
    assertThat(clientService.getSpec().getSelector()).containsEntry("app.kubernetes.io/component", "vmaster");

    PodDisruptionBudget pdb = client.resources(PodDisruptionBudget.class).inNamespace("db").withName("alpha-shard").get();
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(client.resources(PodDisruptionBudget.class).inNamespace("db").withName("alpha-sequencer").get())
        .isNotNull();

    ConfigMap config = client.configMaps().inNamespace("db").withName("alpha-config").get();
    assertThat(config.getData()).containsEntry("shards", "16").containsEntry("bootstrapShardPods", "3")
        .containsEntry("jdbcUrl", "jdbc:shardlite://alpha-client.db.svc:7201/");

    List<HasMetadata> children = List.of(shards, seq, vms, headless, clientService, pdb, config);
    for (HasMetadata child : children) {
      assertThat(child.getMetadata().getOwnerReferences()).as(child.getKind() + " " + child.getMetadata().getName())
          .singleElement().satisfies(o -> {
            assertThat(o.getUid()).isEqualTo(cr.getMetadata().getUid());
            assertThat(o.getKind()).isEqualTo("ShardCluster");
            assertThat(o.getController()).isTrue();
          });
      assertThat(child.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "alpha")
          .containsEntry("app.kubernetes.io/managed-by", "shardlite-operator");
    }

    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.getPhase()).isEqualTo("Progressing");
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(status, "Ready").getReason()).isEqualTo("WaitingForPods");
    assertThat(condition(status, "Progressing").getStatus()).isEqualTo("True");
    assertThat(status.getEffective()).containsEntry("replicationFactor", "3");
  }

  @Test
  void aSecondReconcileChangesNothing() {
    create(ShardClusters.of("beta", 8, 3, 2));
    reconcile("beta");
    Map<String, String> versions = versions();
    reconcile("beta");
    assertThat(versions()).isEqualTo(versions);
  }

  private Map<String, String> versions() {
    Map<String, String> v = new HashMap<>();
    client.apps().statefulSets().inNamespace("db").list().getItems().forEach(x -> v.put("sts/" + x.getMetadata().getName(),
        x.getMetadata().getResourceVersion()));
    client.apps().deployments().inNamespace("db").list().getItems().forEach(x -> v.put("deploy/" + x.getMetadata().getName(),
        x.getMetadata().getResourceVersion()));
    client.services().inNamespace("db").list().getItems().forEach(x -> v.put("svc/" + x.getMetadata().getName(),
        x.getMetadata().getResourceVersion()));
    client.configMaps().inNamespace("db").list().getItems().forEach(x -> v.put("cm/" + x.getMetadata().getName(),
        x.getMetadata().getResourceVersion()));
    return v;
  }

  @Test
  void statusFollowsTheComponentsReadiness() {
    create(ShardClusters.of("gamma", 8, 3, 2));
    reconcile("gamma");
    markReady("gamma", 3, 3, 2);
    ShardClusterStatus ready = reconcile("gamma");
    assertThat(ready.getPhase()).isEqualTo("Ready");
    assertThat(condition(ready, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(ready, "Progressing").getStatus()).isEqualTo("False");
    assertThat(ready.getShardPods()).isEqualTo("3/3");
    assertThat(ready.getVirtualMasters()).isEqualTo("2/2");
    assertThat(ready.getVirtualMasterReplicas()).isEqualTo(2);

    // The sequencer loses its majority: Degraded, not merely Progressing.
    markReady("gamma", 3, 1, 2);
    ShardClusterStatus degraded = reconcile("gamma");
    assertThat(degraded.getPhase()).isEqualTo("Degraded");
    assertThat(condition(degraded, "Degraded").getStatus()).isEqualTo("True");
    assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("QuorumLost");
    assertThat(condition(degraded, "Ready").getLastTransitionTime()).isNotNull();
  }

  @Test
  void virtualMastersScaleUpAndDown() {
    create(ShardClusters.of("delta", 8, 3, 2));
    reconcile("delta");
    for (int n : new int[] {3, 1}) {
      ShardCluster cr = client.resources(ShardCluster.class).inNamespace("db").withName("delta").get();
      cr.getSpec().getVirtualMasters().setReplicas(n);
      client.resource(cr).update();
      reconcile("delta");
      assertThat(deployment("delta-vmaster").getSpec().getReplicas()).isEqualTo(n);
    }
  }

  @Test
  void shardPodsScaleOutKeepingTheBootstrapPeersAndScaleInOnlyOnceTheLeavingPodsAreEmpty() {
    create(ShardClusters.of("eps", 8, 3, 2));
    reconcile("eps");
    ShardCluster cr = client.resources(ShardCluster.class).inNamespace("db").withName("eps").get();
    cr.getSpec().getShardPods().setReplicas(5);
    client.resource(cr).update();
    reconcile("eps");
    StatefulSet grown = sts("eps-shard");
    assertThat(grown.getSpec().getReplicas()).isEqualTo(5);
    assertThat(env(grown.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).get("SHARDLITE_PEERS"))
        .as("pods added later start empty: the bootstrap peers never change").doesNotContain("eps-shard-3");
    assertThat(env(deployment("eps-vmaster").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .get("SHARDLITE_SHARD_SERVERS")).contains("eps-shard-4.eps-shard.db.svc:7001");

    cr = client.resources(ShardCluster.class).inNamespace("db").withName("eps").get();
    cr.getSpec().getShardPods().setReplicas(3);
    client.resource(cr).update();
    placement.putAll(Map.of("eps-shard-0", 5, "eps-shard-1", 5, "eps-shard-2", 5, "eps-shard-3", 5, "eps-shard-4", 4));
    ShardClusterStatus draining = reconcile("eps");
    assertThat(sts("eps-shard").getSpec().getReplicas()).as("holds while replicas remain").isEqualTo(5);
    assertThat(condition(draining, "Progressing").getReason()).isEqualTo(ShardScaling.DRAINING);
    assertThat(draining.getRebalance()).contains("eps-shard-4 (4), eps-shard-3 (5)");
    assertThat(draining.getReplicasPerShardPod()).containsEntry("eps-shard-4", 4);

    placementVisible = false;
    reconcile("eps");
    assertThat(sts("eps-shard").getSpec().getReplicas()).as("no observation: no shrink").isEqualTo(5);

    placementVisible = true;
    placement.put("eps-shard-3", 0);
    placement.put("eps-shard-4", 0);
    reconcile("eps");
    assertThat(sts("eps-shard").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void editedOrDeletedChildrenAreBroughtBack() {
    create(ShardClusters.of("zeta", 8, 3, 2));
    reconcile("zeta");
    StatefulSet edited = sts("zeta-shard");
    edited.getSpec().setReplicas(1);
    edited.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil/image:1");
    client.resource(edited).update();
    client.services().inNamespace("db").withName("zeta-client").delete();
    Deployment vms = deployment("zeta-vmaster");
    vms.getSpec().setReplicas(7);
    client.resource(vms).update();

    reconcile("zeta");
    StatefulSet back = sts("zeta-shard");
    assertThat(back.getSpec().getReplicas()).isEqualTo(3);
    assertThat(back.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("ghcr.io/shardlite/shardlite:0.1.0");
    assertThat(client.services().inNamespace("db").withName("zeta-client").get()).isNotNull();
    assertThat(deployment("zeta-vmaster").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void anInvalidSpecChangesNothingAndSaysWhy() {
    create(ShardClusters.of("eta", 8, 3, 2));
    reconcile("eta");
    Map<String, String> before = versions();
    ShardCluster cr = client.resources(ShardCluster.class).inNamespace("db").withName("eta").get();
    cr.getSpec().setShards(32); // immutable
    cr.getSpec().setReplicationFactor(2); // even
    client.resource(cr).update();
    ShardClusterStatus status = reconcile("eta");
    assertThat(status.getPhase()).isEqualTo("Degraded");
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(status, "Degraded").getReason()).isEqualTo("InvalidSpec");
    assertThat(condition(status, "Degraded").getMessage()).contains("shards is immutable").contains("must be odd");
    assertThat(versions()).isEqualTo(before);
    assertThat(client.v1().events().inNamespace("db").list().getItems())
        .anyMatch(e -> "InvalidSpec".equals(e.getReason()) && "eta".equals(e.getInvolvedObject().getName()));
  }

  @Test
  void aSingleShardPodGetsNoDisruptionBudget() {
    ShardCluster c = ShardClusters.of("theta", 4, 1, 1);
    c.getSpec().setReplicationFactor(1);
    create(c);
    reconcile("theta");
    assertThat(client.resources(PodDisruptionBudget.class).inNamespace("db").withName("theta-shard").get()).isNull();
    assertThat(client.resources(PodDisruptionBudget.class).inNamespace("db").withName("theta-sequencer").get())
        .isNotNull();
  }
}
