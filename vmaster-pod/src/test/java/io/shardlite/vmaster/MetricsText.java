package io.shardlite.vmaster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A process's Prometheus text from its metrics port on loopback (tests only). */
final class MetricsText {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private MetricsText() {}

  static String scrape(int port) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The sample {@code series} (name with its labels, as printed), or -1 when absent or unreachable. */
  static double value(int port, String series) {
    String body;
    try {
      body = scrape(port);
    } catch (RuntimeException e) {
      return -1;
    }
    for (String line : body.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return -1;
  }
}
