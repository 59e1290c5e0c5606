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
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.shardlite.operator.ownership.OwnershipObserver;
import io.shardlite.operator.rebalance.RebalanceProgress;
import io.shardlite.operator.rebalance.RebalanceRequest;
import io.shardlite.operator.rebalance.ShardPodRef;
import io.shardlite.operator.crd.ShardCluster;
import io.shardlite.operator.crd.ShardClusterStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconciliation against the fabric8 mock API server in CRUD mode (no CEL, no garbage collection). */
@EnableKubernetesMockClient(crud = true)
class ShardClusterSyncTest {
  static KubernetesClient client;

  private FakeRebalancer rebalancer;
  /** Stands in for the sequencer's ownership table; records the endpoints it was asked. */
  private final List<List<String>> ownershipAsked = new java.util.ArrayList<>();
  private Map<String, Integer> ownershipTable;
  private ShardClusterSync sync;

  @BeforeEach
  void setUp() {
    client.apps().statefulSets().inNamespace("db").delete();
    client.apps().deployments().inNamespace("db").delete();
    client.services().inNamespace("db").delete();
    client.configMaps().inNamespace("db").delete();
    client.resources(PodDisruptionBudget.class).inNamespace("db").delete();
    client.resources(ShardCluster.class).inNamespace("db").delete();
    client.pods().inNamespace("db").delete();
    rebalancer = new FakeRebalancer();
    ownershipAsked.clear();
    ownershipTable = null;
    OwnershipObserver ownership = endpoints -> {
      ownershipAsked.add(endpoints);
      return java.util.Optional.ofNullable(ownershipTable);
    };
    sync = new ShardClusterSync(client, rebalancer, ownership, Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));
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
    assertThat(container.getImage()).isEqualTo("ghcr.io/shardlite/shardlite:" + EffectiveSpec.DEFAULT_VERSION);
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
    assertThat(ownershipAsked).as("no sequencer majority yet: not asked").isEmpty();
    markReady("gamma", 3, 3, 2);
    ownershipTable = Map.of("gamma-vmaster-abc", 4, "gamma-vmaster-def", 4);
    ShardClusterStatus ready = reconcile("gamma");
    assertThat(ready.getShardsPerVirtualMaster()).isEqualTo(ownershipTable);
    assertThat(ownershipAsked.get(0)).containsExactly("gamma-sequencer-0.gamma-sequencer.db.svc:7101",
        "gamma-sequencer-1.gamma-sequencer.db.svc:7101", "gamma-sequencer-2.gamma-sequencer.db.svc:7101");
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

  private void setShardPods(String name, int n) {
    ShardCluster cr = client.resources(ShardCluster.class).inNamespace("db").withName(name).get();
    cr.getSpec().getShardPods().setReplicas(n);
    client.resource(cr).update();
  }

  @Test
  void shardPodsScaleOutGrowsTheStatefulSetFirstKeepingTheBootstrapPeersThenRebalances() {
    create(ShardClusters.of("eps", 8, 3, 2));
    reconcile("eps");
    assertThat(rebalancer.requests).as("no pods yet: nothing to rebalance").isEmpty();
    markReady("eps", 3, 3, 2);
    rebalancer.balanced(3, 8);
    assertThat(reconcile("eps").getRebalance().getState()).isEqualTo("Balanced");

    setShardPods("eps", 5);
    rebalancer.script = r -> new RebalanceProgress(RebalanceProgress.State.MOVING,
        Map.of("eps-shard-0", 8, "eps-shard-1", 8, "eps-shard-2", 8, "eps-shard-3", 0, "eps-shard-4", 0), 0, 9,
        "adding replicas to eps-shard-3");
    ShardClusterStatus moving = reconcile("eps");
    StatefulSet grown = sts("eps-shard");
    assertThat(grown.getSpec().getReplicas()).as("grown before any move").isEqualTo(5);
    assertThat(env(grown.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).get("SHARDLITE_PEERS"))
        .as("pods added later start empty: the bootstrap peers never change")
        .isEqualTo("eps-shard-0=eps-shard-0.eps-shard.db.svc:7000,eps-shard-1=eps-shard-1.eps-shard.db.svc:7000,"
            + "eps-shard-2=eps-shard-2.eps-shard.db.svc:7000");
    assertThat(env(deployment("eps-vmaster").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .get("SHARDLITE_SHARD_SERVERS")).contains("eps-shard-4.eps-shard.db.svc:7001");
    RebalanceRequest asked = rebalancer.last();
    assertThat(asked.targetPods()).isEqualTo(5);
    assertThat(asked.replicationFactor()).isEqualTo(3);
    assertThat(asked.shards()).isEqualTo(8);
    assertThat(asked.pods()).extracting(ShardPodRef::name).containsExactly("eps-shard-0", "eps-shard-1",
        "eps-shard-2", "eps-shard-3", "eps-shard-4");
    assertThat(asked.pods().get(3).host()).isEqualTo("eps-shard-3.eps-shard.db.svc");
    assertThat(asked.pods().get(3).raftAddress()).isEqualTo("eps-shard-3.eps-shard.db.svc:7000");
    assertThat(asked.leaving()).isEmpty();
    assertThat(moving.getRebalance().getState()).isEqualTo("Moving");
    assertThat(moving.getRebalance().getTargetShardPods()).isEqualTo(5);
    assertThat(moving.getRebalance().getMovesRemaining()).isEqualTo(9);
    assertThat(moving.getReplicasPerShardPod()).containsEntry("eps-shard-3", 0);

    markReady("eps", 5, 3, 2);
    ShardClusterStatus rebalancing = reconcile("eps");
    assertThat(condition(rebalancing, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(rebalancing, "Progressing").getStatus()).isEqualTo("True");
    assertThat(condition(rebalancing, "Progressing").getReason()).isEqualTo("Rebalancing");

    rebalancer.balanced(5, 5);
    ShardClusterStatus balanced = reconcile("eps");
    assertThat(condition(balanced, "Progressing").getStatus()).isEqualTo("False");
    assertThat(balanced.getRebalance().getState()).isEqualTo("Balanced");
  }

  @Test
  void shardPodsScaleInOnlyOnceTheRebalancerObservedTheLeavingPodsEmpty() {
    ShardCluster c = ShardClusters.of("iota", 8, 5, 2);
    create(c);
    reconcile("iota");
    setShardPods("iota", 3);
    rebalancer.script = r -> new RebalanceProgress(RebalanceProgress.State.MOVING,
        Map.of("iota-shard-0", 6, "iota-shard-1", 6, "iota-shard-2", 6, "iota-shard-3", 4, "iota-shard-4", 2), 3, 6,
        "moving replicas off iota-shard-4");
    ShardClusterStatus draining = reconcile("iota");
    assertThat(sts("iota-shard").getSpec().getReplicas()).as("holds while replicas remain").isEqualTo(5);
    assertThat(rebalancer.last().targetPods()).isEqualTo(3);
    assertThat(rebalancer.last().leaving()).extracting(ShardPodRef::name).containsExactly("iota-shard-4",
        "iota-shard-3");
    assertThat(condition(draining, "Progressing").getReason()).isEqualTo(ShardScaling.DRAINING);
    assertThat(condition(draining, "Progressing").getMessage()).contains("iota-shard-4 (2), iota-shard-3 (4)");
    assertThat(draining.getRebalance().getMovesDone()).isEqualTo(3);
    assertThat(client.resources(PodDisruptionBudget.class).inNamespace("db").withName("iota-shard").get())
        .isNotNull();

    rebalancer.script = r -> RebalanceProgress.unknown("iota-shard-4 did not answer");
    ShardClusterStatus unknown = reconcile("iota");
    assertThat(sts("iota-shard").getSpec().getReplicas()).as("no observation: no shrink").isEqualTo(5);
    assertThat(condition(unknown, "Progressing").getReason()).isEqualTo(ShardScaling.PLACEMENT_UNKNOWN);

    rebalancer.script = r -> new RebalanceProgress(RebalanceProgress.State.MOVING,
        Map.of("iota-shard-0", 8, "iota-shard-1", 8, "iota-shard-2", 7, "iota-shard-3", 0, "iota-shard-4", 1), 8, 1,
        "one more");
    reconcile("iota");
    assertThat(sts("iota-shard").getSpec().getReplicas()).as("one leaving pod still hosts one").isEqualTo(5);

    rebalancer.balanced(3, 8);
    reconcile("iota");
    assertThat(sts("iota-shard").getSpec().getReplicas()).isEqualTo(3);
    assertThat(env(sts("iota-shard").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .get("SHARDLITE_PEERS")).as("the bootstrap peers stay those of creation").contains("iota-shard-4=");
  }

  @Test
  void raisingTheCountAgainMidDrainCancelsTheScaleIn() {
    create(ShardClusters.of("kappa", 8, 5, 2));
    reconcile("kappa");
    setShardPods("kappa", 3);
    rebalancer.script = r -> new RebalanceProgress(RebalanceProgress.State.MOVING,
        Map.of("kappa-shard-0", 6, "kappa-shard-1", 6, "kappa-shard-2", 6, "kappa-shard-3", 3, "kappa-shard-4", 3),
        2, 6, "draining");
    reconcile("kappa");
    assertThat(sts("kappa-shard").getSpec().getReplicas()).isEqualTo(5);

    setShardPods("kappa", 5);
    ShardClusterStatus back = reconcile("kappa");
    assertThat(sts("kappa-shard").getSpec().getReplicas()).isEqualTo(5);
    assertThat(rebalancer.last().targetPods()).as("the rebalancer now works toward 5 pods").isEqualTo(5);
    assertThat(rebalancer.last().leaving()).isEmpty();
    assertThat(condition(back, "Progressing").getReason()).isNotEqualTo(ShardScaling.DRAINING);
  }

  @Test
  void aScaleInBelowTheReplicationFactorIsRefusedAndChangesNothing() {
    create(ShardClusters.of("lambda", 8, 3, 2));
    reconcile("lambda");
    Map<String, String> before = versions();
    int asked = rebalancer.requests.size();
    setShardPods("lambda", 2);
    ShardClusterStatus refused = reconcile("lambda");
    assertThat(sts("lambda-shard").getSpec().getReplicas()).isEqualTo(3);
    assertThat(versions()).isEqualTo(before);
    assertThat(rebalancer.requests).as("nothing moves toward a refused target").hasSize(asked);
    assertThat(refused.getPhase()).isEqualTo("Degraded");
    assertThat(condition(refused, "Degraded").getReason()).isEqualTo(ShardScaling.BELOW_REPLICATION_FACTOR);
    assertThat(condition(refused, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(refused, "Degraded").getMessage()).contains("below the replication factor 3");
  }

  @Test
  void theRebalancerSeesWhichShardPodsAreReady() {
    create(ShardClusters.of("mu", 8, 3, 2));
    reconcile("mu");
    for (int i = 0; i < 2; i++) {
      client.resource(new PodBuilder().withNewMetadata().withName("mu-shard-" + i).withNamespace("db")
          .withLabels(Names.labels("mu", Names.SHARD)).endMetadata()
          .withNewStatus().addNewCondition().withType("Ready").withStatus(i == 0 ? "True" : "False").endCondition()
          .endStatus().build()).create();
    }
    reconcile("mu");
    assertThat(rebalancer.last().pods()).extracting(ShardPodRef::ready).containsExactly(true, false, false);
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
        .isEqualTo("ghcr.io/shardlite/shardlite:" + EffectiveSpec.DEFAULT_VERSION);
    assertThat(client.services().inNamespace("db").withName("zeta-client").get()).isNotNull();
    assertThat(deployment("zeta-vmaster").getSpec().getReplicas()).isEqualTo(2);
  }

  /** What an operator whose default version was {@code version} would have created. */
  private void runAsIfCreatedWith(String name, String version) {
    for (String sts : List.of(name + "-shard", name + "-sequencer")) {
      StatefulSet s = sts(sts);
      s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("ghcr.io/shardlite/shardlite:" + version);
      client.resource(s).update();
    }
    Deployment d = deployment(name + "-vmaster");
    d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("ghcr.io/shardlite/shardlite:" + version);
    client.resource(d).update();
    ConfigMap c = client.configMaps().inNamespace("db").withName(name + "-config").get();
    c.getData().put("version", version);
    client.resource(c).update();
  }

  @Test
  void anOperatorWithAnotherDefaultVersionChangesNoPodTemplate() {
    create(ShardClusters.of("nu", 8, 3, 2));
    reconcile("nu");
    runAsIfCreatedWith("nu", "0.0.9");
    Map<String, String> before = versions();
    ShardClusterStatus status = reconcile("nu");
    assertThat(versions()).as("this operator's default (%s) is not applied", EffectiveSpec.DEFAULT_VERSION)
        .isEqualTo(before);
    assertThat(status.getEffective()).containsEntry("image", "ghcr.io/shardlite/shardlite:0.0.9");

    // Without the ConfigMap the running StatefulSet still tells the version.
    client.configMaps().inNamespace("db").withName("nu-config").delete();
    reconcile("nu");
    assertThat(client.configMaps().inNamespace("db").withName("nu-config").get().getData())
        .containsEntry("version", "0.0.9");
    assertThat(sts("nu-shard").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .endsWith(":0.0.9");

    // The user upgrades by setting the version.
    ShardCluster cr = client.resources(ShardCluster.class).inNamespace("db").withName("nu").get();
    cr.getSpec().setVersion("0.2.0");
    client.resource(cr).update();
    reconcile("nu");
    for (String s : List.of("nu-shard", "nu-sequencer")) {
      assertThat(sts(s).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
          .isEqualTo("ghcr.io/shardlite/shardlite:0.2.0");
    }
    assertThat(deployment("nu-vmaster").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("ghcr.io/shardlite/shardlite:0.2.0");
  }

  /** Stands in for the StatefulSet controller: a new revision computed, every pod ready on its revision. */
  private void statefulSetController(String sts, int replicas, String updateRevision) {
    StatefulSet s = sts(sts);
    s.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withReplicas(replicas)
        .withReadyReplicas(replicas).withUpdateRevision(updateRevision)
        .withObservedGeneration(s.getMetadata().getGeneration()).build());
    client.resource(s).updateStatus();
  }

  private void pod(String cluster, String component, String name, String revision, boolean ready) {
    Map<String, String> labels = new HashMap<>(Names.labels(cluster, component));
    labels.put("controller-revision-hash", revision);
    client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("db").withLabels(labels)
        .endMetadata().withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
        .endCondition().endStatus().build()).create();
  }

  private boolean podExists(String name) {
    return client.pods().inNamespace("db").withName(name).get() != null;
  }

  @Test
  void outdatedDataPodsRestartOneAtATimeOnlyWhileAllAreReady() {
    create(ShardClusters.of("xi", 8, 3, 2));
    reconcile("xi");
    for (int i = 0; i < 3; i++) {
      pod("xi", Names.SHARD, "xi-shard-" + i, "rev-a", true);
    }
    markReady("xi", 3, 3, 2);
    statefulSetController("xi-shard", 3, "rev-a");
    reconcile("xi");
    assertThat(List.of("xi-shard-0", "xi-shard-1", "xi-shard-2")).allMatch(this::podExists);

    ShardCluster cr = client.resources(ShardCluster.class).inNamespace("db").withName("xi").get();
    cr.getSpec().setVersion("0.2.0");
    client.resource(cr).update();
    reconcile("xi");
    statefulSetController("xi-shard", 3, "rev-b");
    ShardClusterStatus rolling = reconcile("xi");
    assertThat(podExists("xi-shard-2")).as("highest ordinal first").isFalse();
    assertThat(podExists("xi-shard-1")).isTrue();
    assertThat(condition(rolling, "Progressing").getReason()).isEqualTo("RollingUpdate");
    assertThat(client.v1().events().inNamespace("db").list().getItems())
        .anyMatch(e -> "RestartingPod".equals(e.getReason()) && e.getMessage().contains("xi-shard-2"));

    reconcile("xi");
    assertThat(podExists("xi-shard-1")).as("not while xi-shard-2 is being recreated").isTrue();
    pod("xi", Names.SHARD, "xi-shard-2", "rev-b", false);
    reconcile("xi");
    assertThat(podExists("xi-shard-1")).as("not while xi-shard-2 is not ready").isTrue();

    client.pods().inNamespace("db").withName("xi-shard-2").delete();
    pod("xi", Names.SHARD, "xi-shard-2", "rev-b", true);
    reconcile("xi");
    assertThat(podExists("xi-shard-1")).isFalse();
    assertThat(podExists("xi-shard-0")).isTrue();

    pod("xi", Names.SHARD, "xi-shard-1", "rev-b", true);
    reconcile("xi");
    assertThat(podExists("xi-shard-0")).isFalse();
    pod("xi", Names.SHARD, "xi-shard-0", "rev-b", true);
    markReady("xi", 3, 3, 2); // the mock API server dropped the other sets' status on their template update
    statefulSetController("xi-shard", 3, "rev-b");
    ShardClusterStatus done = reconcile("xi");
    assertThat(List.of("xi-shard-0", "xi-shard-1", "xi-shard-2")).allMatch(this::podExists);
    assertThat(condition(done, "Progressing").getStatus()).as(condition(done, "Progressing").getMessage()).isEqualTo("False");
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
    reconcile("eta");
    assertThat(client.v1().events().inNamespace("db").list().getItems())
        .as("the same event again raises the count of the first")
        .filteredOn(e -> "InvalidSpec".equals(e.getReason()) && "eta".equals(e.getInvolvedObject().getName()))
        .singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(2));
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

  /**
   * Deletion as documented: every child names the ShardCluster as its controlling owner, so the
   * garbage collector (played here: the mock server has none) removes all of them, while the data
   * volumes are retained (the StatefulSets' PVC retention policy, no owner on the claim templates).
   */
  @Test
  void deletingTheClusterRemovesEveryChildThroughOwnerReferencesAndKeepsTheVolumes() {
    ShardCluster cr = create(ShardClusters.of("omega", 4, 3, 2));
    reconcile("omega");
    String uid = client.resources(ShardCluster.class).inNamespace("db").withName("omega").get().getMetadata().getUid();
    List<io.fabric8.kubernetes.api.model.HasMetadata> children = new java.util.ArrayList<>();
    children.addAll(client.apps().statefulSets().inNamespace("db").list().getItems());
    children.addAll(client.apps().deployments().inNamespace("db").list().getItems());
    children.addAll(client.services().inNamespace("db").list().getItems());
    children.addAll(client.configMaps().inNamespace("db").list().getItems());
    children.addAll(client.policy().v1().podDisruptionBudget().inNamespace("db").list().getItems());
    children.removeIf(c -> !c.getMetadata().getName().startsWith("omega-")); // other tests' clusters
    assertThat(children).extracting(c -> c.getKind() + "/" + c.getMetadata().getName()).containsExactlyInAnyOrder(
        "StatefulSet/omega-shard", "StatefulSet/omega-sequencer", "Deployment/omega-vmaster",
        "Service/omega-shard", "Service/omega-sequencer", "Service/omega-client", "ConfigMap/omega-config",
        "PodDisruptionBudget/omega-shard", "PodDisruptionBudget/omega-sequencer");
    for (var child : children) {
      assertThat(child.getMetadata().getOwnerReferences()).as(child.getMetadata().getName()).singleElement()
          .satisfies(o -> {
            assertThat(o.getUid()).isEqualTo(uid);
            assertThat(o.getKind()).isEqualTo("ShardCluster");
            assertThat(o.getController()).isTrue();
          });
    }
    for (String name : List.of("omega-shard", "omega-sequencer")) {
      StatefulSet set = sts(name);
      assertThat(set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
      assertThat(set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled()).isEqualTo("Retain");
      assertThat(set.getSpec().getVolumeClaimTemplates()).allSatisfy(
          pvc -> assertThat(pvc.getMetadata().getOwnerReferences()).isNullOrEmpty());
    }

    client.resource(cr).delete();
    // The garbage collector: whatever names the deleted owner goes.
    children.stream().filter(c -> c.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid())))
        .forEach(c -> client.resource(c).delete());
    List<io.fabric8.kubernetes.api.model.HasMetadata> left = new java.util.ArrayList<>();
    left.addAll(client.apps().statefulSets().inNamespace("db").list().getItems());
    left.addAll(client.apps().deployments().inNamespace("db").list().getItems());
    left.addAll(client.services().inNamespace("db").list().getItems());
    left.addAll(client.configMaps().inNamespace("db").list().getItems());
    left.addAll(client.policy().v1().podDisruptionBudget().inNamespace("db").list().getItems());
    assertThat(left).noneMatch(c -> c.getMetadata().getName().startsWith("omega-"));
  }

  /**
   * Shard pods bootstrap only while the cluster is new: once every bootstrap pod was ready the
   * ConfigMap says "never" for good (a pod reads it at start through a ConfigMap reference, so
   * recording it restarts nothing), and a pod whose volume is replaced later starts empty.
   */
  @Test
  void shardPodsStopBootstrappingOnceTheClusterExistedAndThatIsKept() {
    create(ShardClusters.of("kappa", 4, 3, 2));
    reconcile("kappa");
    var container = sts("kappa-shard").getSpec().getTemplate().getSpec().getContainers().get(0);
    EnvVar bootstrap = container.getEnv().stream().filter(e -> e.getName().equals("SHARDLITE_BOOTSTRAP")).findFirst()
        .orElseThrow();
    assertThat(bootstrap.getValueFrom().getConfigMapKeyRef().getName()).isEqualTo("kappa-config");
    assertThat(bootstrap.getValueFrom().getConfigMapKeyRef().getKey()).isEqualTo("shardBootstrap");
    assertThat(bootstrap.getValueFrom().getConfigMapKeyRef().getOptional()).isTrue();
    assertThat(config("kappa")).containsEntry("shardBootstrap", "auto");
    String template = sts("kappa-shard").getSpec().getTemplate().toString();

    markReady("kappa", 3, 3, 2);
    reconcile("kappa");
    assertThat(config("kappa")).containsEntry("shardBootstrap", "never");
    assertThat(sts("kappa-shard").getSpec().getTemplate().toString()).as("no pod restarts for it").isEqualTo(template);

    markReady("kappa", 1, 3, 2); // pods lost later: the cluster still exists
    reconcile("kappa");
    assertThat(config("kappa")).containsEntry("shardBootstrap", "never");
  }

  private Map<String, String> config(String name) {
    return client.configMaps().inNamespace("db").withName(name + "-config").get().getData();
  }
}
