package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import org.junit.jupiter.api.Test;

class OwnedFieldsTest {
  private static ConfigMap map(String... kv) {
    ConfigMapBuilder b = new ConfigMapBuilder().withNewMetadata().withName("m").addToLabels("a", "1").endMetadata();
    for (int i = 0; i < kv.length; i += 2) {
      b.addToData(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  @Test
  void fieldsAddedByOthersAreNotDrift() {
    ConfigMap existing = map("x", "1", "y", "2");
    existing.getMetadata().getLabels().put("added-by-someone", "yes");
    existing.getMetadata().setResourceVersion("7");
    assertThat(OwnedFields.upToDate(existing, map("x", "1"))).isTrue();
  }

  @Test
  void aChangedOrMissingFieldOfOursIsDrift() {
    assertThat(OwnedFields.upToDate(map("x", "2"), map("x", "1"))).isFalse();
    assertThat(OwnedFields.upToDate(map("y", "1"), map("x", "1"))).isFalse();
  }
}
