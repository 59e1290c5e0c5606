package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRD the chart installs is the repository's crds/ (byte for byte in the chart, unchanged
 * but for labels and the keep annotation once rendered); it is a template so upgrades upgrade it.
 */
class ChartCrdTest {
  private static final String CRD_FILES = "files/crds";

  @Test
  void theChartCarriesAByteIdenticalCopyOfEveryTopLevelCrd() throws IOException {
    List<String> topLevel = yamlFiles(ChartUnderTest.crdsDir());
    List<String> inChart = yamlFiles(ChartUnderTest.chartDir().resolve(CRD_FILES));
    assertThat(topLevel).as("crds/ holds the ShardCluster CRD").contains("shardclusters.shardlite.io-v1.yml");
    assertThat(inChart).as("the chart's copies, file for file").isEqualTo(topLevel);
    for (String name : topLevel) {
      assertThat(Files.readAllBytes(ChartUnderTest.chartDir().resolve(CRD_FILES).resolve(name)))
          .as("%s/%s is identical to crds/%s (copy it again after regenerating the CRD)", CRD_FILES, name, name)
          .isEqualTo(Files.readAllBytes(ChartUnderTest.crdsDir().resolve(name)));
    }
  }

  @Test
  void theCrdStaysWellBelowTheAnnotationLimitOfClientSideApply() throws IOException {
    // kubectl apply without --server-side stores the whole object in an annotation of at most 256 KiB.
    assertThat(Files.size(ChartUnderTest.crdsDir().resolve("shardclusters.shardlite.io-v1.yml"))).isLessThan(128 * 1024);
  }

  @Test
  void theChartHasNoCrdsFolderThatHelmWouldInstallOnceAndNeverUpgrade() {
    assertThat(ChartUnderTest.chartDir().resolve("crds")).doesNotExist();
  }

  @Test
  void theRenderedCrdIsTheRepositoryCrdWithTheKeepPolicy() throws IOException {
    CustomResourceDefinition expected = Manifests.SERIALIZATION.unmarshal(
        Files.readString(ChartUnderTest.crdsDir().resolve("shardclusters.shardlite.io-v1.yml")), CustomResourceDefinition.class);
    CustomResourceDefinition rendered = ChartUnderTest.render().one(CustomResourceDefinition.class);
    assertThat(rendered.getMetadata().getName()).isEqualTo("shardclusters.shardlite.io");
    assertThat(rendered.getSpec()).isEqualTo(expected.getSpec());
    assertThat(rendered.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    assertThat(rendered.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "shardlite")
        .containsEntry("app.kubernetes.io/managed-by", "Helm");
  }

  @Test
  void theCrdServesShardClusterWithItsScaleSubresource() {
    CustomResourceDefinition crd = ChartUnderTest.render().one(CustomResourceDefinition.class);
    assertThat(crd.getSpec().getGroup()).isEqualTo("shardlite.io");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("ShardCluster");
    assertThat(crd.getSpec().getNames().getShortNames()).contains("sc");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getVersions()).singleElement().satisfies(v -> {
      assertThat(v.getName()).isEqualTo("v1alpha1");
      assertThat(v.getSubresources().getStatus()).isNotNull();
      assertThat(v.getSubresources().getScale().getSpecReplicasPath()).isEqualTo(".spec.virtualMasters.replicas");
    });
  }

  @Test
  void keepCanBeTurnedOffAndTheCrdLeftOut() {
    assertThat(ChartUnderTest.render(Map.of("crds.keep", false)).one(CustomResourceDefinition.class)
        .getMetadata().getAnnotations()).doesNotContainKey("helm.sh/resource-policy");
    assertThat(ChartUnderTest.render(Map.of("crds.create", false)).all(CustomResourceDefinition.class)).isEmpty();
  }

  private static List<String> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml") || n.endsWith(".yaml"))
          .sorted().toList();
    }
  }
}
