package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD under crds/ is what the build generates from the Java classes (runs after `package`,
 * when the Quarkus build has written target/kubernetes/).
 */
class CrdUpToDateIT {
  private static final String FILE = "shardclusters.shardlite.io-v1.yml";

  @Test
  void theCommittedCrdIsTheGeneratedOne() throws IOException {
    Path generated = Path.of("target", "kubernetes", FILE);
    Path committed = Path.of("..", "crds", FILE);
    assertThat(generated).as("the Quarkus build generates the CRD").exists();
    assertThat(Files.readString(committed))
        .as("crds/%s is stale: refresh it with `./mvnw -pl operator -am package -DskipTests && cp operator/target/"
            + "kubernetes/%s crds/`", FILE, FILE)
        .isEqualTo(Files.readString(generated));
  }
}
