package io.shardlite.operator;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.shardlite.common.client.ShardliteClient;
import io.shardlite.operator.crd.ShardCluster;
import io.shardlite.operator.crd.ShardClusterStatus;
import io.shardlite.operator.ownership.OwnershipObserver;
import io.shardlite.operator.ownership.SequencerOwnershipObserver;
import io.shardlite.operator.rebalance.MovingRebalancer;
import io.shardlite.operator.rebalance.RebalanceRequest;
import io.shardlite.operator.rebalance.ShardPodRef;
import io.shardlite.operator.rebalance.ShardRebalancer;
import io.shardlite.proto.ExecuteReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wiring test: what the operator generates really forms a working cluster. The operator
 * reconciles a ShardCluster against the fabric8 mock API server; every pod of the StatefulSets and
 * the Deployment it produced is then started as a local process from its pod template
 * ({@link LocalKubelet}: own loopback address, pod DNS names through a hosts file, downward-API
 * fields, volumes as directories), and SQL runs through a virtual master. Then the replica counts
 * change, the operator reconciles, the new and changed pods are started the same way, and the
 * cluster keeps serving. The operator's own rebalancer (moving shard replicas through the pods'
 * admin API: onto a new pod, then off it again before the StatefulSet shrinks) and its ownership
 * observer (the sequencer) run for real against these processes.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorWiringIT {
  static KubernetesClient client;
  private static final String NS = "db";
  private static final String NAME = "wire";
  private static final Duration READY = Duration.ofSeconds(120);

  @TempDir
  Path dir;
  private LocalKubelet kubelet;
  private ShardClusterSync sync;
  private MovingRebalancer moving;
  private final List<ShardliteClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() {
    String jar = System.getProperty("shardlite.client.jar", "../client/target/shardlite.jar");
    assertThat(Path.of(jar)).as("the pod image's class path: build the client module first"
        + " (./mvnw -pl operator -am verify does)").exists();
    kubelet = new LocalKubelet(dir, Path.of(jar).toAbsolutePath().toString(), NS, "127.0.77", name -> {
      var cm = client.configMaps().inNamespace(NS).withName(name).get();
      return cm == null || cm.getData() == null ? Map.of() : cm.getData();
    });
    // Every pod this test may run, before any starts (a JVM may cache a failed lookup).
    IntStream.range(0, 4).forEach(i -> kubelet.admit(NAME + "-shard-" + i, NAME + "-shard"));
    IntStream.range(0, 3).forEach(i -> kubelet.admit(NAME + "-sequencer-" + i, NAME + "-sequencer"));
    IntStream.range(0, 5).forEach(i -> kubelet.admit(NAME + "-vmaster-" + i, null));

    // The real observers; only name resolution is done here by the kubelet's table instead of DNS.
    moving = MovingRebalancer.overGrpc(Duration.ofSeconds(2), Duration.ofSeconds(60));
    ShardRebalancer rebalancer = r -> moving.step(new RebalanceRequest(r.namespace(), r.cluster(), r.shards(),
        r.replicationFactor(), r.targetPods(), r.pods().stream().map(p -> new ShardPodRef(p.name(), p.ordinal(),
            kubelet.resolve(p.host()), p.grpcPort(), p.ratisPort(), p.ready())).toList()));
    SequencerOwnershipObserver sequencer = new SequencerOwnershipObserver(Duration.ofSeconds(3));
    OwnershipObserver ownership = endpoints -> sequencer.shardsPerVirtualMaster(endpoints.stream().map(e -> {
      int colon = e.lastIndexOf(':');
      return kubelet.resolve(e.substring(0, colon)) + e.substring(colon);
    }).toList());
    sync = new ShardClusterSync(client, rebalancer, ownership, Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    clients.forEach(ShardliteClient::close);
    if (moving != null) {
      moving.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
  }

  private ShardClusterStatus reconcile() {
    ShardCluster cr = client.resources(ShardCluster.class).inNamespace(NS).withName(NAME).get();
    ShardClusterStatus status = sync.reconcile(cr);
    cr.setStatus(status);
    client.resource(cr).updateStatus();
    return status;
  }

  private StatefulSet sts(String name) {
    return client.apps().statefulSets().inNamespace(NS).withName(name).get();
  }

  private Deployment vmDeployment() {
    return client.apps().deployments().inNamespace(NS).withName(NAME + "-vmaster").get();
  }

  private void edit(java.util.function.Consumer<ShardCluster> change) {
    ShardCluster cr = client.resources(ShardCluster.class).inNamespace(NS).withName(NAME).get();
    change.accept(cr);
    client.resource(cr).update();
  }

  /** Starts pods and waits for their readiness probes, as the kubelet would report them. */
  private void run(PodTemplateSpec template, List<String> pods) {
    pods.forEach(p -> kubelet.start(p, template));
    for (String pod : pods) {
      await(pod + " ready").atMost(READY).pollInterval(Duration.ofMillis(500))
          .until(() -> kubelet.ready(pod, template));
      client.resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace(NS)
          .withLabels(template.getMetadata().getLabels()).endMetadata()
          .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
          .build()).createOr(NonDeletingOperation::update);
    }
  }

  /** Stops a pod as the kubelet would on deletion (SIGTERM, then SIGKILL after the grace period). */
  private void stop(String pod, Duration grace) {
    kubelet.delete(pod, grace);
    client.pods().inNamespace(NS).withName(pod).delete();
  }

  /** What the StatefulSet and Deployment controllers would report once the pods are ready. */
  private void controllersReport(int shardPods, int sequencers, int vms) {
    for (var entry : Map.of(NAME + "-shard", shardPods, NAME + "-sequencer", sequencers).entrySet()) {
      StatefulSet s = sts(entry.getKey());
      s.setStatus(new StatefulSetStatusBuilder().withReplicas(entry.getValue()).withReadyReplicas(entry.getValue())
          .build());
      client.resource(s).updateStatus();
    }
    Deployment d = vmDeployment();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(vms).withReadyReplicas(vms).build());
    client.resource(d).updateStatus();
  }

  private ShardliteClient sqlThrough(String vmPod) {
    ShardliteClient c = new ShardliteClient(List.of(kubelet.ip(vmPod) + ":7201"), Duration.ofSeconds(30));
    clients.add(c);
    return c;
  }

  private static void ok(ExecuteReply reply) {
    assertThat(reply.hasError()).as("%s", reply.getError()).isFalse();
  }

  private static long value(ShardliteClient sql, String key) {
    ExecuteReply r = sql.execute(List.of(statement(key, "SELECT v FROM kv WHERE k = ?", key)));
    ok(r);
    assertThat(r.getResults(0).getRowsCount()).as("row %s", key).isEqualTo(1);
    return r.getResults(0).getRows(0).getValues(0).getInteger();
  }

  private static String env(PodTemplateSpec template, String name) {
    return template.getSpec().getContainers().get(0).getEnv().stream().filter(e -> name.equals(e.getName()))
        .map(EnvVar::getValue).findFirst().orElseThrow();
  }

  private static Condition condition(ShardClusterStatus s, String type) {
    return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  private static List<String> pods(String prefix, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> prefix + i).toList();
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(root)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    assertThat(root).doesNotExist();
  }

  /** Reconciles (as the 5 s resync while moving would) until the rebalance reaches {@code state}. */
  private ShardClusterStatus reconcileUntilRebalance(String state) {
    ShardClusterStatus[] last = new ShardClusterStatus[1];
    await("rebalance " + state).atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
        .until(() -> {
          last[0] = reconcile();
          return state.equals(last[0].getRebalance().getState());
        });
    return last[0];
  }

  @Test
  void theGeneratedChildrenFormAWorkingClusterThatKeepsServingWhileScaled() throws Exception {
    client.resource(ShardClusters.of(NAME, 4, 3, 2)).create();
    reconcile();

    // Start every pod the operator described, exactly from its templates.
    run(sts(NAME + "-sequencer").getSpec().getTemplate(), pods(NAME + "-sequencer-", 0, 3));
    run(sts(NAME + "-shard").getSpec().getTemplate(), pods(NAME + "-shard-", 0, 3));
    PodTemplateSpec vmTemplate = vmDeployment().getSpec().getTemplate();
    run(vmTemplate, pods(NAME + "-vmaster-", 0, 2));
    controllersReport(3, 3, 2);

    ShardClusterStatus ready = reconcile();
    assertThat(ready.getPhase()).isEqualTo("Ready");
    assertThat(condition(ready, "Ready").getStatus()).isEqualTo("True");
    assertThat(ready.getReplicasPerShardPod()).as("4 shards x 3 replicas over 3 pods, seen through their admin API")
        .isEqualTo(Map.of(NAME + "-shard-0", 4, NAME + "-shard-1", 4, NAME + "-shard-2", 4));
    assertThat(ready.getRebalance().getState()).isEqualTo("Balanced");

    ShardliteClient sql = sqlThrough(NAME + "-vmaster-0");
    ok(sql.execute(List.of(statement("", "CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v INTEGER NOT NULL)"))));
    for (int i = 0; i < 20; i++) {
      ok(sql.execute(List.of(statement("k" + i, "INSERT INTO kv VALUES (?, ?)", "k" + i, i))));
    }
    // A multi-shard transaction through the other virtual master.
    ok(sqlThrough(NAME + "-vmaster-1").execute(List.of(
        statement("k0", "UPDATE kv SET v = v + 100 WHERE k = 'k0'"),
        statement("k1", "UPDATE kv SET v = v + 100 WHERE k = 'k1'"),
        statement("k2", "UPDATE kv SET v = v + 100 WHERE k = 'k2'"))));
    assertThat(value(sql, "k0")).isEqualTo(100);
    assertThat(value(sql, "k19")).isEqualTo(19);
    await("both virtual masters own shards").atMost(READY).pollInterval(Duration.ofSeconds(1)).until(() -> {
      Map<String, Integer> owned = reconcile().getShardsPerVirtualMaster();
      return owned.getOrDefault(NAME + "-vmaster-0", 0) > 0 && owned.getOrDefault(NAME + "-vmaster-1", 0) > 0;
    });

    // A replaced volume: once the cluster exists no shard pod bootstraps again (the ConfigMap says so,
    // read at pod start), so shard-1 comes back empty instead of voting with empty logs, and the
    // operator replaces its lost copies (remove, then add back empty and catch up).
    assertThat(client.configMaps().inNamespace(NS).withName(NAME + "-config").get().getData())
        .containsEntry("shardBootstrap", "never");
    stop(NAME + "-shard-1", Duration.ofSeconds(30));
    deleteTree(dir.resolve("pods").resolve(NAME + "-shard-1").resolve("data"));
    run(sts(NAME + "-shard").getSpec().getTemplate(), List.of(NAME + "-shard-1"));
    ShardClusterStatus replaced = reconcileUntilRebalance("Balanced");
    assertThat(replaced.getReplicasPerShardPod()).as("shard-1 holds its 4 replicas again")
        .isEqualTo(Map.of(NAME + "-shard-0", 4, NAME + "-shard-1", 4, NAME + "-shard-2", 4));
    assertThat(replaced.getRebalance().getMovesDone()).isEqualTo(4);
    for (int i = 0; i < 20; i++) {
      assertThat(value(sql, "k" + i)).as("k%d after the replaced volume", i).isEqualTo(i < 3 ? 100 + i : i);
    }

    // Virtual masters up: the Deployment grows; the new pod takes shards and serves.
    edit(cr -> cr.getSpec().getVirtualMasters().setReplicas(3));
    reconcile();
    assertThat(vmDeployment().getSpec().getReplicas()).isEqualTo(3);
    run(vmDeployment().getSpec().getTemplate(), List.of(NAME + "-vmaster-2"));
    controllersReport(3, 3, 3);
    ShardliteClient third = sqlThrough(NAME + "-vmaster-2");
    assertThat(value(third, "k1")).isEqualTo(101);
    ok(third.execute(List.of(statement("k20", "INSERT INTO kv VALUES ('k20', 20)"))));
    await("the new virtual master owns shards").atMost(READY).pollInterval(Duration.ofSeconds(1))
        .until(() -> reconcile().getShardsPerVirtualMaster().getOrDefault(NAME + "-vmaster-2", 0) > 0);

    // Virtual masters down: the Deployment shrinks; the removed pod gets SIGTERM and drains.
    edit(cr -> cr.getSpec().getVirtualMasters().setReplicas(2));
    reconcile();
    assertThat(vmDeployment().getSpec().getReplicas()).isEqualTo(2);
    long grace = vmDeployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    stop(NAME + "-vmaster-2", Duration.ofSeconds(grace));
    controllersReport(3, 3, 2);
    await("the removed virtual master's shards moved").atMost(READY).pollInterval(Duration.ofSeconds(1))
        .until(() -> {
          Map<String, Integer> owned = reconcile().getShardsPerVirtualMaster();
          return owned.getOrDefault(NAME + "-vmaster-2", 0) == 0
              && owned.getOrDefault(NAME + "-vmaster-0", 0) + owned.getOrDefault(NAME + "-vmaster-1", 0) == 4;
        });
    assertThat(value(sql, "k20")).isEqualTo(20);
    ok(sql.execute(List.of(statement("k21", "INSERT INTO kv VALUES ('k21', 21)"))));

    // Shard pods up: the StatefulSet grows keeping its bootstrap peers; the new pod starts empty;
    // the virtual masters' template changed (they learn the new pod), so they roll like a Deployment.
    String peers = env(sts(NAME + "-shard").getSpec().getTemplate(), "SHARDLITE_PEERS");
    edit(cr -> cr.getSpec().getShardPods().setReplicas(4));
    reconcile();
    StatefulSet shards = sts(NAME + "-shard");
    assertThat(shards.getSpec().getReplicas()).isEqualTo(4);
    assertThat(env(shards.getSpec().getTemplate(), "SHARDLITE_PEERS")).isEqualTo(peers);
    run(shards.getSpec().getTemplate(), List.of(NAME + "-shard-3"));
    PodTemplateSpec rolled = vmDeployment().getSpec().getTemplate();
    assertThat(env(rolled, "SHARDLITE_SHARD_SERVERS")).contains(NAME + "-shard-3." + NAME + "-shard." + NS + ".svc:7001");
    run(rolled, List.of(NAME + "-vmaster-3", NAME + "-vmaster-4"));
    stop(NAME + "-vmaster-0", Duration.ofSeconds(grace));
    stop(NAME + "-vmaster-1", Duration.ofSeconds(grace));
    controllersReport(4, 3, 2);

    ShardliteClient rolledSql = sqlThrough(NAME + "-vmaster-3");
    for (int i = 3; i < 22; i++) {
      assertThat(value(rolledSql, "k" + i)).as("k%d", i).isEqualTo(i);
    }
    assertThat(value(rolledSql, "k2")).isEqualTo(102);
    ok(rolledSql.execute(List.of(statement("k22", "INSERT INTO kv VALUES ('k22', 22)"))));
    ShardClusterStatus grown = reconcile();
    assertThat(grown.getReplicasPerShardPod()).as("observed for real: the new pod holds nothing yet")
        .containsEntry(NAME + "-shard-3", 0).containsEntry(NAME + "-shard-0", 4);
    assertThat(grown.getRebalance().getState()).as(grown.getRebalance().getMessage()).isEqualTo("Moving");

    // The operator moves replicas onto the new pod, one background round per reconciliation.
    ShardClusterStatus balanced = reconcileUntilRebalance("Balanced");
    assertThat(balanced.getReplicasPerShardPod()).as("12 replicas over 4 pods")
        .isEqualTo(Map.of(NAME + "-shard-0", 3, NAME + "-shard-1", 3, NAME + "-shard-2", 3, NAME + "-shard-3", 3));
    assertThat(balanced.getRebalance().getMovesDone()).isGreaterThanOrEqualTo(3);
    for (int i = 0; i < 23; i++) {
      assertThat(value(rolledSql, "k" + i)).as("k%d after the moves", i).isEqualTo(i < 3 ? 100 + i : i);
    }
    ok(rolledSql.execute(List.of(statement("k23", "INSERT INTO kv VALUES ('k23', 23)"))));

    // Shard pods down: the StatefulSet keeps 4 pods until the leaving pod is empty, then shrinks.
    edit(cr -> cr.getSpec().getShardPods().setReplicas(3));
    ShardClusterStatus held = reconcile();
    assertThat(sts(NAME + "-shard").getSpec().getReplicas()).as("held while shard-3 hosts replicas").isEqualTo(4);
    assertThat(held.getRebalance().getState()).isEqualTo("Moving");
    ShardClusterStatus drained = reconcileUntilRebalance("Balanced");
    assertThat(drained.getReplicasPerShardPod()).containsEntry(NAME + "-shard-3", 0)
        .containsEntry(NAME + "-shard-0", 4).containsEntry(NAME + "-shard-1", 4).containsEntry(NAME + "-shard-2", 4);
    reconcile();
    assertThat(sts(NAME + "-shard").getSpec().getReplicas()).as("shrinks once shard-3 is empty").isEqualTo(3);
    stop(NAME + "-shard-3", Duration.ofSeconds(30));
    controllersReport(3, 3, 2);
    for (int i = 0; i < 24; i++) {
      assertThat(value(rolledSql, "k" + i)).as("k%d after the drain", i).isEqualTo(i < 3 ? 100 + i : i);
    }
    ok(rolledSql.execute(List.of(statement("k24", "INSERT INTO kv VALUES ('k24', 24)"))));
    assertThat(dir.resolve("pods").resolve(NAME + "-shard-0").resolve("data").resolve("ratis")).as("the data volume")
        .isDirectory();
  }
}
