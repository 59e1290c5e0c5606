package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.shardlite.common.client.ShardliteClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The whole product on a real Kubernetes (k3s in Docker): the chart installs the operator, a
 * ShardCluster becomes Ready, SQL runs through its client port, virtual masters and shard pods scale
 * up and down by patches, one pod of each kind is deleted, and throughout a bank workload keeps
 * running; afterwards the bank invariant holds and no acknowledged transfer is lost.
 *
 * <p>Needs a Docker engine and the two images (see README, "Install on Kubernetes"); without Docker
 * the class is skipped. Run: {@code ./mvnw -B -Pk8s-e2e -pl k8s-tests -am verify}.
 */
@Testcontainers(disabledWithoutDocker = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class ShardClusterE2EIT {
  private static final Logger LOG = LoggerFactory.getLogger(ShardClusterE2EIT.class);
  private static final String NAMESPACE = "shardlite-e2e";
  private static final String CLUSTER = "e2e";
  private static final Duration READY = Duration.ofMinutes(10);

  private static final String POD_IMAGE = System.getProperty("shardlite.image", "ghcr.io/shardlite/shardlite:0.1.0-SNAPSHOT");
  private static final String OPERATOR_IMAGE = System.getProperty("shardlite.operator.image",
      "ghcr.io/shardlite/shardlite-operator:0.1.0-SNAPSHOT");

  @Container
  static final K3sContainer K3S = new K3sContainer(DockerImageName.parse(
      System.getProperty("shardlite.k3s.image", "rancher/k3s:v1.31.2-k3s1")));

  private KubernetesClient k8s;
  private VirtualMasterForwards forwards;
  private final BankLedger bank = new BankLedger(16, 8, 1_000);
  private BankWorkload workload;

  @BeforeAll
  void installTheChart() throws Exception {
    K3sImages.load(K3S, POD_IMAGE, optionalPath("shardlite.image.tar"));
    K3sImages.load(K3S, OPERATOR_IMAGE, optionalPath("shardlite.operator.image.tar"));
    String kubeconfig = K3S.getKubeConfigYaml();
    k8s = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
    int colon = OPERATOR_IMAGE.lastIndexOf(':');
    Release release = new Helm(ChartUnderTest.chartDir()).install()
        .withName("shardlite-operator").withNamespace(NAMESPACE).createNamespace()
        .withKubeConfigContents(kubeconfig)
        .set("image.repository", OPERATOR_IMAGE.substring(0, colon))
        .set("image.tag", OPERATOR_IMAGE.substring(colon + 1))
        // Imported into containerd; nothing to pull.
        .set("image.pullPolicy", "Never")
        .waitReady().withTimeout(300)
        .call();
    LOG.info("helm install: {} {} (revision {})", release.getName(), release.getStatus(), release.getRevision());
    assertThat(release.getStatus()).isEqualTo("deployed");
    forwards = new VirtualMasterForwards(k8s, NAMESPACE, CLUSTER);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (workload != null) {
      workload.close();
    }
    if (forwards != null) {
      forwards.close();
    }
    if (k8s != null) {
      k8s.close();
    }
  }

  @Test
  @Order(1)
  void aShardClusterBecomesReadyAndServesSql() {
    k8s.genericKubernetesResources(ShardClusters.CONTEXT).inNamespace(NAMESPACE)
        .resource(ShardClusters.manifest(NAMESPACE, CLUSTER, POD_IMAGE, 8, 3, 2)).create();
    awaitReady(3, 2);
    assertThat(k8s.apps().statefulSets().inNamespace(NAMESPACE).withName(CLUSTER + "-shard").get()
        .getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    assertThat(k8s.services().inNamespace(NAMESPACE).withName(CLUSTER + "-client").get().getSpec().getPorts())
        .anyMatch(p -> p.getPort() == VirtualMasterForwards.CLIENT_PORT);
    // Right after Ready, shard ownership may still be settling: retry (DDL is IF NOT EXISTS, the
    // account openings carry idempotency keys, so a retry applies nothing twice).
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().until(() -> {
      bank.create(forwards.refresh());
      return true;
    });
    ShardliteClient client = forwards.client();
    assertThat(bank.check(client).problems()).isEmpty();
    workload = new BankWorkload(bank, forwards::client, 4, 0.2, 42);
    awaitProgress();
  }

  @Test
  @Order(2)
  void virtualMastersScaleUpAndDownUnderLoad() {
    ShardClusters.patchSpec(k8s, NAMESPACE, CLUSTER, "{\"virtualMasters\":{\"replicas\":3}}");
    awaitReady(3, 3);
    forwards.refresh();
    awaitProgress();
    ShardClusters.patchSpec(k8s, NAMESPACE, CLUSTER, "{\"virtualMasters\":{\"replicas\":2}}");
    awaitReady(3, 2);
    forwards.refresh();
    awaitProgress();
  }

  @Test
  @Order(3)
  void shardPodsScaleUpAndDownUnderLoad() {
    ShardClusters.patchSpec(k8s, NAMESPACE, CLUSTER, "{\"shardPods\":{\"replicas\":4}}");
    awaitReady(4, 2);
    forwards.refresh();
    awaitProgress();
    ShardClusters.patchSpec(k8s, NAMESPACE, CLUSTER, "{\"shardPods\":{\"replicas\":3}}");
    awaitReady(3, 2);
    await().atMost(READY).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(
        k8s.apps().statefulSets().inNamespace(NAMESPACE).withName(CLUSTER + "-shard").get().getSpec().getReplicas())
        .isEqualTo(3));
    forwards.refresh();
    awaitProgress();
  }

  @Test
  @Order(4)
  void losingOnePodOfEachKindLosesNothing() {
    for (String component : List.of("shard", "sequencer", "vmaster")) {
      Pod victim = ShardClusters.readyPods(k8s, NAMESPACE, CLUSTER, component).get(0);
      LOG.info("deleting {} pod {}", component, victim.getMetadata().getName());
      k8s.pods().inNamespace(NAMESPACE).withName(victim.getMetadata().getName()).withGracePeriod(0).delete();
      int expected = "shard".equals(component) ? 3 : "sequencer".equals(component) ? 3 : 2;
      await().atMost(READY).pollInterval(Duration.ofSeconds(2)).until(() ->
          ShardClusters.readyPods(k8s, NAMESPACE, CLUSTER, component).stream()
              .noneMatch(p -> p.getMetadata().getUid().equals(victim.getMetadata().getUid()))
          && ShardClusters.readyPods(k8s, NAMESPACE, CLUSTER, component).size() == expected);
      awaitReady(3, 2);
      forwards.refresh();
      awaitProgress();
    }
  }

  @Test
  @Order(5)
  void theBankInvariantHoldsAndNoAcknowledgedTransferIsLost() throws Exception {
    workload.close();
    workload = null;
    LOG.info("workload: {} acknowledged, {} failed or unknown", bank.acknowledgedCount(), bank.failureCount());
    assertThat(bank.acknowledgedCount()).isPositive();
    AtomicReference<BankLedger.Verdict> verdict = new AtomicReference<>();
    // Reads may need a few retries right after the last fault.
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
      verdict.set(bank.check(forwards.refresh()));
      return true;
    });
    LOG.info("ledger: {} transfers applied, grand total {}", verdict.get().ledgerRows(), verdict.get().grandTotal());
    assertThat(verdict.get().problems()).isEmpty();
    assertThat(verdict.get().ledgerRows()).isGreaterThanOrEqualTo(bank.acknowledgedCount());
  }

  /** Ready at the current generation, with the given ready shard pods and virtual masters. */
  private void awaitReady(int shardPods, int virtualMasters) {
    AtomicReference<GenericKubernetesResource> last = new AtomicReference<>();
    try {
      await().atMost(READY).pollInterval(Duration.ofSeconds(2)).until(() -> {
        GenericKubernetesResource c = ShardClusters.resource(k8s, NAMESPACE, CLUSTER).get();
        last.set(c);
        return ShardClusters.readyAtCurrentGeneration(c)
            && ShardClusters.readyPods(k8s, NAMESPACE, CLUSTER, "shard").size() == shardPods
            && ShardClusters.readyPods(k8s, NAMESPACE, CLUSTER, "vmaster").size() == virtualMasters
            && ShardClusters.readyPods(k8s, NAMESPACE, CLUSTER, "sequencer").size() == 3;
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("ShardCluster not Ready with " + shardPods + " shard pods and " + virtualMasters
          + " virtual masters: " + ShardClusters.describe(last.get()), e);
    }
  }

  /** The workload keeps getting transfers acknowledged (availability after each step). */
  private void awaitProgress() {
    int before = bank.acknowledgedCount();
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
        .until(() -> bank.acknowledgedCount() >= before + 20);
  }

  private static Path optionalPath(String property) {
    String value = System.getProperty(property);
    return value == null || value.isBlank() ? null : Path.of(value);
  }
}
