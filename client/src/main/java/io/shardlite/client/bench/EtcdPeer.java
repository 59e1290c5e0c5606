package io.shardlite.client.bench;

import io.shardlite.common.launch.Ports;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sequencer's peer: a 3-member etcd cluster (Debian's {@code etcd-server}) on 127.0.0.1 with
 * fsync on (its defaults), measured for single-key puts of 100-byte values through its HTTP/JSON
 * gateway ({@code POST /v3/kv/put}) to the leader, closed loop, one connection per client.
 */
public final class EtcdPeer implements AutoCloseable {
  private final List<Process> members = new ArrayList<>();
  private final List<String> clientUrls = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private String leader;

  /** The etcd binary on PATH, or null. */
  public static Path binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "etcd");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  public static EtcdPeer start(Path etcd, Path dataDir) throws Exception {
    EtcdPeer peer = new EtcdPeer();
    int[] ports = Ports.freePorts(6);
    StringBuilder cluster = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      cluster.append(i == 0 ? "" : ",").append("m").append(i).append("=http://127.0.0.1:").append(ports[2 * i + 1]);
    }
    for (int i = 0; i < 3; i++) {
      String client = "http://127.0.0.1:" + ports[2 * i];
      String peerUrl = "http://127.0.0.1:" + ports[2 * i + 1];
      peer.clientUrls.add(client);
      ProcessBuilder pb = new ProcessBuilder(etcd.toString(), "--name", "m" + i, "--data-dir",
          dataDir.resolve("m" + i).toString(), "--listen-client-urls", client, "--advertise-client-urls", client,
          "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl, "--initial-cluster",
          cluster.toString(), "--initial-cluster-state", "new", "--initial-cluster-token", "bench-" + ProcessHandle.current().pid(),
          "--log-level", "warn", "--logger", "zap")
          .redirectErrorStream(true).redirectOutput(dataDir.resolve("m" + i + ".log").toFile());
      peer.members.add(pb.start());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (peer.leader == null) {
      if (System.nanoTime() > deadline) {
        peer.close();
        throw new IllegalStateException("etcd did not elect a leader within 60 s (logs in " + dataDir + ")");
      }
      peer.leader = peer.findLeader();
      if (peer.leader == null) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
    return peer;
  }

  private String findLeader() {
    Pattern member = Pattern.compile("\"member_id\"\\s*:\\s*\"(\\d+)\"");
    Pattern leaderId = Pattern.compile("\"leader\"\\s*:\\s*\"(\\d+)\"");
    for (String url : clientUrls) {
      try {
        String body = http.send(HttpRequest.newBuilder(URI.create(url + "/v3/maintenance/status"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = member.matcher(body);
        Matcher l = leaderId.matcher(body);
        if (m.find() && l.find() && m.group(1).equals(l.group(1))) {
          return url;
        }
      } catch (Exception e) {
        // not up yet
      }
    }
    return null;
  }

  public String version() {
    try {
      Process p = new ProcessBuilder(binary().toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return out.lines().findFirst().orElse("?").trim();
    } catch (Exception e) {
      return "?";
    }
  }

  /** Puts/s and p50/p99 with {@code clients} closed-loop clients, each with its own HTTP client. */
  public SequencerLoad.Point puts(int clients, double warmupSeconds, double seconds) throws InterruptedException {
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = warmEnd + (long) (seconds * 1e9);
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long[] latencies = new long[1 << 20];
    AtomicLong recorded = new AtomicLong();
    String value = Base64.getEncoder().encodeToString("v".repeat(100).getBytes(StandardCharsets.UTF_8));
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int id = c;
      threads.add(new Thread(() -> {
        HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (long n = 0; System.nanoTime() < end; n++) {
          String key = Base64.getEncoder().encodeToString(("k" + id + "-" + n).getBytes(StandardCharsets.UTF_8));
          long start = System.nanoTime();
          try {
            HttpResponse<String> r = own.send(HttpRequest.newBuilder(URI.create(leader + "/v3/kv/put"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            long t = System.nanoTime();
            if (r.statusCode() != 200) {
              errors.incrementAndGet();
            } else if (start >= warmEnd && t <= end) {
              done.incrementAndGet();
              long i = recorded.getAndIncrement();
              if (i < latencies.length) {
                latencies[(int) i] = t - start;
              }
            }
          } catch (Exception e) {
            errors.incrementAndGet();
          }
        }
      }, "etcd-put-" + c));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    long[] sorted = Arrays.copyOf(latencies, (int) Math.min(recorded.get(), latencies.length));
    Arrays.sort(sorted);
    return new SequencerLoad.Point(1, clients, seconds, done.get(), done.get(), errors.get(), 0, done.get() / seconds,
        done.get() / seconds, BenchReport.percentile(sorted, 0.5) / 1e6, BenchReport.percentile(sorted, 0.99) / 1e6);
  }

  @Override
  public void close() {
    for (Process p : members) {
      p.destroy();
    }
    for (Process p : members) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
