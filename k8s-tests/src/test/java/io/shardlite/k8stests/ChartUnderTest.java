package io.shardlite.k8stests;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The chart in helm/shardlite-operator, rendered and linted offline by the Helm library that
 * helm-java bundles (no cluster, no network). Paths come from the build (system properties),
 * with the repository layout as the fallback for runs from an IDE.
 */
final class ChartUnderTest {
  static final String RELEASE = "shardlite-operator";
  static final String NAMESPACE = "shardlite-system";
  /** The prefix of every object's name: a release named like the chart is not repeated. */
  static final String FULLNAME = "shardlite-operator";

  private ChartUnderTest() {}

  static Path chartDir() {
    return Path.of(System.getProperty("shardlite.chart.dir", "../helm/shardlite-operator")).toAbsolutePath().normalize();
  }

  static Path crdsDir() {
    return Path.of(System.getProperty("shardlite.crds.dir", "../crds")).toAbsolutePath().normalize();
  }

  static Helm helm() {
    return new Helm(chartDir());
  }

  static LintResult lint() {
    return helm().lint().strict().call();
  }

  /** `helm template` with --set values; throws IllegalStateException (Helm's message) when rendering fails. */
  static Manifests render(Map<String, ?> values) {
    return render(null, values);
  }

  /** `helm template` with a values file (YAML text, may be null) and --set values. */
  static Manifests render(String valuesYaml, Map<String, ?> values) {
    TemplateCommand template = helm().template().withName(RELEASE).withNamespace(NAMESPACE);
    Path file = null;
    try {
      if (valuesYaml != null) {
        file = Files.createTempFile("values", ".yaml");
        Files.writeString(file, valuesYaml);
        template = template.withValuesFile(file);
      }
      for (Map.Entry<String, ?> e : values.entrySet()) {
        template = template.set(e.getKey(), e.getValue());
      }
      return Manifests.parse(template.call());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file; the OS cleans up
        }
      }
    }
  }

  static Manifests render() {
    return render(Map.of());
  }
}
