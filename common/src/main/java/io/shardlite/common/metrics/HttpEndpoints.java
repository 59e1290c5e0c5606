package io.shardlite.common.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import io.prometheus.client.hotspot.DefaultExports;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The HTTP port every shardlite pod exposes: Prometheus metrics on {@code /metrics}, liveness on
 * {@code /healthz} and readiness on {@code /readyz} (for Kubernetes probes).
 */
public final class HttpEndpoints implements AutoCloseable {
  private final HTTPServer metrics;
  private final HttpServer http;

  private HttpEndpoints(HttpServer http, HTTPServer metrics) {
    this.http = http;
    this.metrics = metrics;
  }

  /** Starts on the port (0 = ephemeral) with JVM metrics added to the registry. */
  public static HttpEndpoints start(String bindAddress, int port, CollectorRegistry registry, BooleanSupplier ready)
      throws IOException {
    DefaultExports.register(registry);
    HttpServer http = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
    http.createContext("/healthz", ex -> respond(ex, 200, "ok\n"));
    http.createContext("/readyz", ex -> {
      boolean ok = ready.getAsBoolean();
      respond(ex, ok ? 200 : 503, ok ? "ready\n" : "not ready\n");
    });
    HTTPServer metrics = new HTTPServer.Builder().withHttpServer(http).withRegistry(registry).build();
    return new HttpEndpoints(http, metrics);
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    metrics.close();
  }
}
