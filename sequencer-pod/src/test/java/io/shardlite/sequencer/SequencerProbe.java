package io.shardlite.sequencer;

import io.shardlite.sequencer.launch.LocalSequencerCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Test-side views of a local sequencer group: metrics of each replica, which one leads. */
final class SequencerProbe {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private SequencerProbe() {}

  static Path clusterDir(String name) throws IOException {
    Path dir = Path.of("target", "it-clusters", name + "-" + System.currentTimeMillis());
    return Files.createDirectories(dir).toAbsolutePath();
  }

  static List<String> jvmOptions() {
    return List.of("-Xms128m", "-Xmx512m", "-XX:+UseParallelGC", "-XX:ParallelGCThreads=2",
        "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");
  }

  /** A metric's value on a replica ({@code name} may include labels), or empty if absent or down. */
  static Optional<Double> metric(LocalSequencerCluster.Replica replica, String name) {
    if (!replica.isAlive()) {
      return Optional.empty();
    }
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + replica.metricsPort() + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      for (String line : response.body().split("\n")) {
        if (line.startsWith(name + " ")) {
          return Optional.of(Double.parseDouble(line.substring(name.length() + 1).trim()));
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static Optional<LocalSequencerCluster.Replica> leader(LocalSequencerCluster cluster) {
    return cluster.replicas().stream()
        .filter(r -> metric(r, "shardlite_sequencer_leader").orElse(0.0) == 1.0)
        .findFirst();
  }
}
