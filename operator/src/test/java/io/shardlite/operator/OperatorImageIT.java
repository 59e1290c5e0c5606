package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/**
 * The operator image as the build writes it to a tar with no Docker engine and no registry: Jib
 * over the Quarkus fast-jar, on the pod image's stand-in base (the real base needs a registry).
 * Checks what the chart's Deployment relies on (non-root user, entrypoint, port) and that the image
 * holds the fast-jar once, without Jib's own class and dependency layers.
 */
class OperatorImageIT {
  private static final Path IMAGE = Path.of("target", "operator-image-check.tar");

  @Test
  void theOperatorImageRunsTheQuarkusFastJarAsNonRoot() throws IOException {
    assertThat(IMAGE).as("written by the operator-image-check execution of jib:buildTar in the package phase")
        .exists();
    Map<String, byte[]> outer;
    try (InputStream in = Files.newInputStream(IMAGE)) {
      outer = read(in);
    }
    String config = new String(outer.get("config.json"), StandardCharsets.UTF_8);
    assertThat(config).contains("\"User\":\"65532:65532\"", "\"WorkingDir\":\"/deployments\"", "\"8080/tcp\"",
        "\"Entrypoint\":[\"java\",\"-Djava.util.logging.manager=org.jboss.logmanager.LogManager\",\"-jar\","
            + "\"/deployments/quarkus-run.jar\"]");
    String manifest = new String(outer.get("manifest.json"), StandardCharsets.UTF_8);
    assertThat(manifest).contains("ghcr.io/shardlite/shardlite-operator:" + EffectiveSpec.DEFAULT_VERSION);

    Set<String> files = new TreeSet<>();
    for (Map.Entry<String, byte[]> e : outer.entrySet()) {
      if (e.getKey().endsWith(".tar.gz")) {
        try (InputStream layer = new GZIPInputStream(new ByteArrayInputStream(e.getValue()))) {
          files.addAll(read(layer).keySet());
        }
      }
    }
    assertThat(files).contains("deployments/quarkus-run.jar", "deployments/quarkus/quarkus-application.dat")
        .anyMatch(f -> f.startsWith("deployments/lib/main/") && f.contains("shardlite-common"))
        .anyMatch(f -> f.startsWith("deployments/app/shardlite-operator"));
    assertThat(files).as("no second copy of the classes and dependencies").noneMatch(f -> f.startsWith("app/"));
  }

  /** Regular files of a tar stream by path. */
  private static Map<String, byte[]> read(InputStream in) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
      if (entry.isFile()) {
        String name = entry.getName();
        out.put(name.startsWith("/") ? name.substring(1) : name, tar.readAllBytes());
      }
    }
    return out;
  }
}
