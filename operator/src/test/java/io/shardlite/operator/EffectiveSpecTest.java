package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.shardlite.operator.children.ClusterConfigMap;
import io.shardlite.operator.crd.ShardClusterSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EffectiveSpecTest {
  private static ShardClusterSpec spec() {
    return ShardClusters.of("c", 16, 3, 2).getSpec();
  }

  private static StatefulSet shardsRunning(String image) {
    return new StatefulSetBuilder().withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withImage(image)
        .endContainer().endSpec().endTemplate().endSpec().build();
  }

  @Test
  void defaultsFillWhatTheSpecLeavesOut() {
    EffectiveSpec e = EffectiveSpec.of(spec());
    assertThat(e.replicationFactor()).isEqualTo(3);
    assertThat(e.sequencers()).isEqualTo(3);
    assertThat(e.imageRef()).isEqualTo(EffectiveSpec.DEFAULT_IMAGE + ":" + EffectiveSpec.DEFAULT_VERSION);
  }

  @Test
  void aRunningClustersImageWinsOverTheOperatorsDefaultButNotOverTheSpec() {
    EffectiveSpec.Pinned pinned = new EffectiveSpec.Pinned("registry.local/shardlite", "0.0.9");
    assertThat(EffectiveSpec.of(spec(), pinned).imageRef()).isEqualTo("registry.local/shardlite:0.0.9");
    ShardClusterSpec s = spec();
    s.setVersion("0.2.0");
    assertThat(EffectiveSpec.of(s, pinned).imageRef()).isEqualTo("registry.local/shardlite:0.2.0");
    s.setImage("other/shardlite");
    assertThat(EffectiveSpec.of(s, pinned).imageRef()).isEqualTo("other/shardlite:0.2.0");
  }

  @Test
  void thePinnedImageIsReadFromTheConfigMapElseFromTheShardStatefulSet() {
    var config = new ConfigMapBuilder().withData(Map.of(ClusterConfigMap.IMAGE, "a/b", ClusterConfigMap.VERSION, "1.0"))
        .build();
    assertThat(ClusterConfigMap.pinned(config, shardsRunning("x/y:2.0")))
        .isEqualTo(new EffectiveSpec.Pinned("a/b", "1.0"));
    assertThat(ClusterConfigMap.pinned(null, shardsRunning("registry:5000/x/y:2.0")))
        .isEqualTo(new EffectiveSpec.Pinned("registry:5000/x/y", "2.0"));
    assertThat(ClusterConfigMap.pinned(null, shardsRunning("registry:5000/x/y")))
        .as("no tag: nothing to pin").isEqualTo(EffectiveSpec.Pinned.NONE);
    assertThat(ClusterConfigMap.pinned(null, null)).isEqualTo(EffectiveSpec.Pinned.NONE);
  }

  @Test
  void thePodsDefaultVersionIsTheBuildsVersionTheTagOfThePodImageBuiltWithIt() {
    assertThat(EffectiveSpec.DEFAULT_VERSION).isEqualTo(System.getProperty("shardlite.build.version"));
  }
}
