package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.operator.crd.ShardClusterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class ShardClusterValidationTest {
  private static final ShardClusterValidation.Recorded NONE = ShardClusterValidation.Recorded.NONE;

  private static ShardClusterSpec spec() {
    return ShardClusters.of("c", 16, 3, 2).getSpec();
  }

  @Test
  void aPlainSpecIsValid() {
    assertThat(ShardClusterValidation.problems(spec(), NONE)).isEmpty();
    assertThat(ShardClusterValidation.problems(spec(), new ShardClusterValidation.Recorded(16, 3))).isEmpty();
  }

  @Test
  void shardsAreRequiredAndBounded() {
    ShardClusterSpec s = spec();
    s.setShards(null);
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("spec.shards is required"));
    s.setShards(0);
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("shards must be in [1, 4096]"));
  }

  @Test
  void replicationFactorIsOddAndAtMostTheShardPods() {
    ShardClusterSpec s = spec();
    s.setReplicationFactor(2);
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("must be odd"));
    s.setReplicationFactor(5);
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("must not exceed shardPods.replicas"));
    s.getShardPods().setReplicas(5);
    assertThat(ShardClusterValidation.problems(s, NONE)).isEmpty();
  }

  @Test
  void scalingShardPodsBelowTheReplicationFactorIsRefused() {
    ShardClusterSpec s = spec();
    s.getShardPods().setReplicas(2);
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("3 > 2"));
  }

  @Test
  void sequencerReplicasAreThreeOrFiveAndFixed() {
    ShardClusterSpec s = spec();
    s.setSequencer(ShardClusters.sequencers(4));
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("must be 3 or 5"));
    s.setSequencer(ShardClusters.sequencers(5));
    assertThat(ShardClusterValidation.problems(s, NONE)).isEmpty();
    assertThat(ShardClusterValidation.problems(s, new ShardClusterValidation.Recorded(16, 3)))
        .anyMatch(p -> p.contains("sequencer.replicas is immutable"));
  }

  @Test
  void shardsAreImmutableOnceCreated() {
    assertThat(ShardClusterValidation.problems(spec(), new ShardClusterValidation.Recorded(8, 3)))
        .anyMatch(p -> p.contains("shards is immutable") && p.contains("created with 8, now 16"));
  }

  @Test
  void imageAndVersionMustBeReferences() {
    ShardClusterSpec s = spec();
    s.setVersion("bad tag");
    s.setImage("Bad Image");
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("version must be an image tag"))
        .anyMatch(p -> p.contains("image must be an image repository"));
  }

  @Test
  void virtualMastersAreBounded() {
    ShardClusterSpec s = spec();
    s.getVirtualMasters().setReplicas(0);
    assertThat(ShardClusterValidation.problems(s, NONE)).anyMatch(p -> p.contains("virtualMasters.replicas"));
  }

  /** The API server enforces the same rules through the CRD (the mock server does not run CEL). */
  @Test
  void theCommittedCrdCarriesEveryRule() throws IOException {
    CustomResourceDefinition crd;
    try (var in = Files.newInputStream(Path.of("..", "crds", "shardclusters.shardlite.io-v1.yml"))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    var version = crd.getSpec().getVersions().get(0);
    List<String> rules = new ArrayList<>();
    collect("", version.getSchema().getOpenAPIV3Schema(), rules);
    // Each rule at the field it guards (a transition rule on the wrong field would check nothing).
    assertThat(rules).containsExactlyInAnyOrder(
        ".spec.shards: self == oldSelf",
        ".spec.sequencer.replicas: self == 3 || self == 5",
        ".spec.sequencer.replicas: self == oldSelf",
        ".spec: (has(self.replicationFactor) ? self.replicationFactor : 3) % 2 == 1",
        ".spec: (has(self.replicationFactor) ? self.replicationFactor : 3) <= "
            + "(has(self.shardPods) && has(self.shardPods.replicas) ? self.shardPods.replicas : 3)");
    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired()).contains("shards");
    assertThat(spec.getProperties().get("shards").getMaximum()).isEqualTo(4096.0);
    assertThat(spec.getProperties().get("replicationFactor").getMaximum()).isEqualTo(7.0);
    assertThat(version.getSubresources().getScale().getSpecReplicasPath()).isEqualTo(".spec.virtualMasters.replicas");
    assertThat(version.getSubresources().getScale().getStatusReplicasPath()).isEqualTo(".status.virtualMasterReplicas");
    assertThat(version.getAdditionalPrinterColumns()).extracting(c -> c.getName())
        .contains("Phase", "Shard pods", "Sequencer", "Virtual masters", "Age");
  }

  private static void collect(String path, JSONSchemaProps schema, List<String> rules) {
    if (schema == null) {
      return;
    }
    if (schema.getXKubernetesValidations() != null) {
      schema.getXKubernetesValidations().forEach(v -> rules.add(path + ": " + v.getRule()));
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((name, p) -> collect(path + "." + name, p, rules));
    }
    if (schema.getItems() != null) {
      collect(path + "[]", schema.getItems().getSchema(), rules);
    }
  }
}
