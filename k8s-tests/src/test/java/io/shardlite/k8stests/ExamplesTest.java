package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ShardClusters users start from (examples/shardcluster.yaml, the chart's optional one) are
 * valid for the CRD's schema; and the schema check refuses what the API server would.
 */
class ExamplesTest {
  private static final Path EXAMPLE = ChartUnderTest.crdsDir().resolveSibling("examples").resolve("shardcluster.yaml");

  private static CustomResourceDefinition crd() throws IOException {
    return Manifests.SERIALIZATION.unmarshal(Files.readString(ChartUnderTest.crdsDir().resolve("shardclusters.shardlite.io-v1.yml")),
        CustomResourceDefinition.class);
  }

  private static JSONSchemaProps specSchema() throws IOException {
    return crd().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  @Test
  void theExampleIsAValidShardCluster() throws IOException {
    GenericKubernetesResource example = Manifests.SERIALIZATION.unmarshal(Files.readString(EXAMPLE),
        GenericKubernetesResource.class);
    CustomResourceDefinition crd = crd();
    assertThat(example.getApiVersion()).isEqualTo(crd.getSpec().getGroup() + "/" + crd.getSpec().getVersions().get(0).getName());
    assertThat(example.getKind()).isEqualTo(crd.getSpec().getNames().getKind());
    assertThat(example.getMetadata().getNamespace()).as("applied with -n").isNull();
    Map<String, Object> spec = example.get("spec");
    assertThat(CrdSchemaCheck.problems(specSchema(), spec)).isEmpty();
  }

  @Test
  void theChartsOptionalShardClusterIsValid() throws IOException {
    GenericKubernetesResource cluster = ChartUnderTest.render(java.util.Map.of("shardCluster.create", true))
        .generic("ShardCluster").get(0);
    assertThat(CrdSchemaCheck.problems(specSchema(), cluster.get("spec"))).isEmpty();
  }

  @Test
  void theSchemaCheckRefusesUnknownFieldsWrongTypesAndBounds() throws IOException {
    assertThat(CrdSchemaCheck.problems(specSchema(), Map.of("shards", 16, "shardpods", Map.of("replicas", 3))))
        .anyMatch(p -> p.contains(".shardpods: unknown field"));
    assertThat(CrdSchemaCheck.problems(specSchema(), Map.of("shards", "16"))).anyMatch(p -> p.contains("expected an integer"));
    assertThat(CrdSchemaCheck.problems(specSchema(), Map.of("shards", 0))).anyMatch(p -> p.contains("minimum"));
    assertThat(CrdSchemaCheck.problems(specSchema(), Map.of("replicationFactor", 3))).anyMatch(p -> p.contains(".shards: required"));
    assertThat(CrdSchemaCheck.problems(specSchema(), Map.of("shards", 4, "image", "Not An Image"))).anyMatch(p -> p.contains("does not match"));
  }
}
