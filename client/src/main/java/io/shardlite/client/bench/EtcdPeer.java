package io.shardlite.client.bench;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.shardlite.common.launch.Ports;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sequencer's peer: a 3-member etcd cluster (Debian's {@code etcd-server}) on 127.0.0.1 with
 * fsync on (its defaults), each member a child process in a temporary directory, stopped by its
 * PID. Measured for single-key puts of 100-byte values to the leader, closed loop:
 * <ul>
 *   <li>native gRPC ({@code etcdserverpb.KV/Put}) from grpc-java, the stack the sequencer's own
 *       client uses; one HTTP/2 connection per client, 1 or more puts in flight per client;
 *   <li>its HTTP/JSON gateway ({@code POST /v3/kv/put}), one HTTP/1.1 connection per client, one
 *       put at a time (as {@code ../shared/peers/HttpLoad.java}).
 * </ul>
 */
public final class EtcdPeer implements AutoCloseable {
  /** What one etcd data point measured; {@code duplicateRevisions} should be 0 (a sanity check). */
  public record Result(String client, int clients, int inFlightPerClient, double seconds, long puts, long[] latencyNanos,
      Map<String, Long> errorsByCode, long duplicateRevisions) {
    public long errors() {
      return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static final MethodDescriptor<byte[], byte[]> PUT = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("etcdserverpb.KV/Put")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  private final Path binary;
  private final Path dataDir;
  private final List<Process> members = new ArrayList<>();
  private final List<String> clientUrls = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private String leader;

  private EtcdPeer(Path binary, Path dataDir) {
    this.binary = binary;
    this.dataDir = dataDir;
  }

  /** The etcd binary on PATH (as {@code command -v etcd}), or null. */
  public static Path binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "etcd");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** {@code apt-get install -y etcd-server} (only when the user asked for it); the exit code. */
  public static int install() throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("apt-get", "install", "-y", "--no-install-recommends", "etcd-server")
        .inheritIO();
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    return pb.start().waitFor();
  }

  /** Starts 3 members on free loopback ports under {@code dataDir} and waits for a leader. */
  public static EtcdPeer start(Path etcd, Path dataDir) throws Exception {
    EtcdPeer peer = new EtcdPeer(etcd, dataDir);
    int[] ports = Ports.freePorts(6);
    StringBuilder cluster = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      cluster.append(i == 0 ? "" : ",").append("m").append(i).append("=http://127.0.0.1:").append(ports[2 * i + 1]);
    }
    try {
      for (int i = 0; i < 3; i++) {
        String client = "http://127.0.0.1:" + ports[2 * i];
        String peerUrl = "http://127.0.0.1:" + ports[2 * i + 1];
        peer.clientUrls.add(client);
        ProcessBuilder pb = new ProcessBuilder(etcd.toString(), "--name", "m" + i, "--data-dir",
            dataDir.resolve("m" + i).toString(), "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl, "--initial-cluster",
            cluster.toString(), "--initial-cluster-state", "new", "--initial-cluster-token",
            "bench-" + ProcessHandle.current().pid(), "--log-level", "warn", "--logger", "zap")
            .redirectErrorStream(true).redirectOutput(dataDir.resolve("m" + i + ".log").toFile());
        peer.members.add(pb.start());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while ((peer.leader = peer.findLeader()) == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("etcd elected no leader within 60 s (logs in " + dataDir + ")");
        }
        for (Process p : peer.members) {
          if (!p.isAlive()) {
            throw new IllegalStateException("etcd member pid " + p.pid() + " exited with " + p.exitValue()
                + " (logs in " + dataDir + ")");
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
      return peer;
    } catch (Exception e) {
      peer.close();
      throw e;
    }
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

  /** The leader's client URL. */
  public String leader() {
    return leader;
  }

  /** PIDs of the members. */
  public List<Long> pids() {
    return members.stream().map(Process::pid).toList();
  }

  /** First line of {@code etcd --version}, e.g. "etcd Version: 3.4.23". */
  public String version() {
    try {
      Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out.lines().findFirst().orElse("?").trim();
    } catch (Exception e) {
      return "?";
    }
  }

  /** The PutRequest message: key (field 1), value (field 2). */
  static byte[] putRequest(byte[] key, byte[] value) {
    try {
      byte[] out = new byte[CodedOutputStream.computeByteArraySize(1, key) + CodedOutputStream.computeByteArraySize(2, value)];
      CodedOutputStream o = CodedOutputStream.newInstance(out);
      o.writeByteArray(1, key);
      o.writeByteArray(2, value);
      o.checkNoSpaceLeft();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** header.revision (PutResponse field 1, ResponseHeader field 3) of a PutResponse, or -1. */
  static long revision(byte[] putResponse) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(putResponse);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          CodedInputStream header = in.readBytes().newCodedInput();
          for (int t = header.readTag(); t != 0; t = header.readTag()) {
            if (t == ((3 << 3) | WireFormat.WIRETYPE_VARINT)) {
              return header.readInt64();
            }
            header.skipField(t);
          }
          return -1;
        }
        in.skipField(tag);
      }
      return -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * Native gRPC puts: {@code clients} clients, each with its own connection and up to
   * {@code inFlight} puts outstanding (1 = one at a time).
   */
  public Result grpcPuts(int clients, int inFlight, double warmupSeconds, double seconds) throws InterruptedException {
    URI uri = URI.create(leader);
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = warmEnd + (long) (seconds * 1e9);
    Map<String, Long> errors = new TreeMap<>();
    List<long[]> latencies = new ArrayList<>();
    List<long[]> revisions = new ArrayList<>();
    byte[] value = "v".repeat(100).getBytes(StandardCharsets.UTF_8);
    String run = Long.toString(System.nanoTime(), 36);
    List<Thread> threads = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int id = c;
      ManagedChannel channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext().build();
      channels.add(channel);
      threads.add(new Thread(() -> {
        Semaphore slots = new Semaphore(inFlight);
        long[][] lat = {new long[4096], new long[4096]}; // latency, revision
        int[] n = {0};
        for (long seq = 0; System.nanoTime() < end; seq++) {
          slots.acquireUninterruptibly();
          byte[] request = putRequest(("bench/" + run + "/" + id + "/" + seq).getBytes(StandardCharsets.UTF_8), value);
          long start = System.nanoTime();
          ClientCalls.asyncUnaryCall(channel.newCall(PUT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
              request, new StreamObserver<>() {
                @Override
                public void onNext(byte[] reply) {
                  long done = System.nanoTime();
                  if (done >= warmEnd && done <= end) {
                    synchronized (lat) {
                      if (n[0] == lat[0].length) {
                        lat[0] = Arrays.copyOf(lat[0], n[0] * 2);
                        lat[1] = Arrays.copyOf(lat[1], n[0] * 2);
                      }
                      lat[0][n[0]] = done - start;
                      lat[1][n[0]++] = revision(reply);
                    }
                  }
                }

                @Override
                public void onError(Throwable t) {
                  synchronized (errors) {
                    errors.merge(Status.fromThrowable(t).getCode().name(), 1L, Long::sum);
                  }
                  slots.release();
                }

                @Override
                public void onCompleted() {
                  slots.release();
                }
              });
        }
        try {
          if (!slots.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) {
            synchronized (errors) {
              errors.merge("NO_ANSWER_IN_60S", 1L, Long::sum);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        synchronized (lat) {
          synchronized (latencies) {
            latencies.add(Arrays.copyOf(lat[0], n[0]));
            revisions.add(Arrays.copyOf(lat[1], n[0]));
          }
        }
      }, "etcd-grpc-" + c));
    }
    try {
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
    }
    long[] lat = latencies.stream().flatMapToLong(Arrays::stream).toArray();
    long[] revs = revisions.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    long dup = 0;
    for (int i = 0; i < revs.length; i++) {
      if (revs[i] <= 0 || (i > 0 && revs[i] == revs[i - 1])) {
        dup++;
      }
    }
    return new Result("gRPC", clients, inFlight, seconds, lat.length, lat, Map.copyOf(errors), dup);
  }

  /** HTTP/JSON gateway puts, {@code clients} closed-loop clients, one put at a time each. */
  public Result gatewayPuts(int clients, double warmupSeconds, double seconds) throws InterruptedException {
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = warmEnd + (long) (seconds * 1e9);
    Map<String, Long> errors = new TreeMap<>();
    List<long[]> latencies = new ArrayList<>();
    String value = Base64.getEncoder().encodeToString("v".repeat(100).getBytes(StandardCharsets.UTF_8));
    String run = Long.toString(System.nanoTime(), 36);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int id = c;
      threads.add(new Thread(() -> {
        HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long[] lat = new long[4096];
        int n = 0;
        for (long seq = 0; System.nanoTime() < end; seq++) {
          String key = Base64.getEncoder().encodeToString(("bench/" + run + "/" + id + "/" + seq)
              .getBytes(StandardCharsets.UTF_8));
          long start = System.nanoTime();
          String code = null;
          try {
            HttpResponse<String> r = own.send(HttpRequest.newBuilder(URI.create(leader + "/v3/kv/put"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              code = "HTTP_" + r.statusCode();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          } catch (Exception e) {
            code = e.getClass().getSimpleName();
          }
          long done = System.nanoTime();
          if (code != null) {
            synchronized (errors) {
              errors.merge(code, 1L, Long::sum);
            }
          } else if (done >= warmEnd && done <= end) {
            if (n == lat.length) {
              lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = done - start;
          }
        }
        synchronized (latencies) {
          latencies.add(Arrays.copyOf(lat, n));
        }
      }, "etcd-http-" + c));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    long[] lat = latencies.stream().flatMapToLong(Arrays::stream).toArray();
    return new Result("HTTP/JSON gateway", clients, 1, seconds, lat.length, lat, Map.copyOf(errors), 0);
  }

  /** Stops every member by its PID (SIGTERM, then SIGKILL after 10 s). The data dir is the caller's. */
  @Override
  public void close() {
    for (Process p : members) {
      p.destroy();
    }
    for (Process p : members) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Where the members' data and logs are. */
  public Path dataDir() {
    return dataDir;
  }
}
