package io.shardlite.client.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads one metric from processes' Prometheus text endpoints on 127.0.0.1 (benchmark diagnostics). */
public final class MetricsScrape {
  /** Log entries applied by a shard server's replicas (each replica counts every entry it applies). */
  public static final String SHARD_ENTRIES_APPLIED = "shardlite_shard_entries_applied_total";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private MetricsScrape() {}

  /**
   * The sum of every sample of {@code metric} (all label sets) over the given metrics ports, or
   * the largest single port's sum when {@code maxOverPorts}; NaN if any port does not answer.
   */
  public static double sum(List<Integer> ports, String metric, boolean maxOverPorts) {
    double total = 0;
    for (int port : ports) {
      double one = sum(port, metric);
      if (Double.isNaN(one)) {
        return Double.NaN;
      }
      total = maxOverPorts ? Math.max(total, one) : total + one;
    }
    return total;
  }

  static double sum(int port, String metric) {
    String text = scrape(port);
    return text.isEmpty() ? Double.NaN : sumOf(text, metric);
  }

  /** The port's exposition, or "" when it does not answer. */
  private static String scrape(int port) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (java.io.IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Each label set of {@code metric} summed over the ports (labels as written, e.g. {@code code="TIMEOUT",}); a mutable map. */
  public static Map<String, Double> byLabels(List<Integer> ports, String metric) {
    return byLabelsIn(expositions(ports), metric);
  }

  /** Every port's exposition, one scrape each ("" for a port that does not answer), to read several metrics from. */
  public static List<String> expositions(List<Integer> ports) {
    return ports.stream().map(MetricsScrape::scrape).toList();
  }

  /** {@link #byLabels} over expositions already scraped. */
  public static Map<String, Double> byLabelsIn(List<String> expositions, String metric) {
    Map<String, Double> total = new TreeMap<>();
    for (String text : expositions) {
      samples(text, metric).forEach((labels, v) -> total.merge(labels, v, Double::sum));
    }
    return total;
  }

  /** {@link #sum} (summed over ports) over expositions already scraped; NaN if any is empty. */
  public static double sumIn(List<String> expositions, String metric) {
    double total = 0;
    for (String text : expositions) {
      if (text.isEmpty()) {
        return Double.NaN;
      }
      total += sumOf(text, metric);
    }
    return total;
  }

  /** Sums the samples named exactly {@code metric} in a Prometheus text exposition. */
  static double sumOf(String exposition, String metric) {
    return samples(exposition, metric).values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /**
   * The samples named exactly {@code metric}, by label set ({@code code="X"}; "" when unlabelled;
   * the trailing comma the Prometheus Java client writes is dropped).
   */
  static Map<String, Double> samples(String exposition, String metric) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : exposition.split("\n")) {
      if (!line.startsWith(metric) || line.length() == metric.length()) {
        continue;
      }
      char next = line.charAt(metric.length());
      if (next == ' ' || next == '{') {
        String labels = next == '{' ? line.substring(metric.length() + 1, line.lastIndexOf('}')) : "";
        if (labels.endsWith(",")) {
          labels = labels.substring(0, labels.length() - 1);
        }
        out.merge(labels, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
      }
    }
    return out;
  }
}
