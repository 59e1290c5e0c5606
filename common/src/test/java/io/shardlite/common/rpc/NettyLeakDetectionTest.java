package io.shardlite.common.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NettyLeakDetectionTest {
  private final Map<String, String> saved = new HashMap<>();

  @BeforeEach
  void save() {
    NettyLeakDetection.LEVEL_PROPERTIES.forEach(p -> saved.put(p, System.getProperty(p)));
  }

  @AfterEach
  void restore() {
    saved.forEach((p, v) -> {
      if (v == null) {
        System.clearProperty(p);
      } else {
        System.setProperty(p, v);
      }
    });
  }

  @Test
  void disablesEveryShadedCopyWhereNothingIsSet() {
    NettyLeakDetection.LEVEL_PROPERTIES.forEach(System::clearProperty);
    NettyLeakDetection.offUnlessSet();
    assertThat(NettyLeakDetection.LEVEL_PROPERTIES).allSatisfy(p -> assertThat(System.getProperty(p)).isEqualTo("disabled"));
  }

  @Test
  void keepsALevelTheOperatorSet() {
    String grpc = NettyLeakDetection.LEVEL_PROPERTIES.get(0);
    String ratis = NettyLeakDetection.LEVEL_PROPERTIES.get(1);
    System.setProperty(grpc, "paranoid");
    System.clearProperty(ratis);
    NettyLeakDetection.offUnlessSet();
    assertThat(System.getProperty(grpc)).isEqualTo("paranoid");
    assertThat(System.getProperty(ratis)).isEqualTo("disabled");
  }

  @Test
  void namesThePropertiesTheShadedCopiesRead() throws Exception {
    // Each relocated class carries its relocated property name; a rename in an upgrade shows here.
    String[] detectors = {"io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector",
        "org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector"};
    for (int i = 0; i < detectors.length; i++) {
      Class<?> detector = Class.forName(detectors[i], false, getClass().getClassLoader());
      try (var in = detector.getResourceAsStream("ResourceLeakDetector.class")) {
        String bytes = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(bytes).contains(NettyLeakDetection.LEVEL_PROPERTIES.get(i));
      }
    }
  }
}
