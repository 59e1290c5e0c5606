package io.shardlite.client.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.StatusRuntimeException;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.ListGroupsResponse;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.Statement;
import io.shardlite.proto.WriteBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop replicated write load against shard servers' gRPC ports: C clients, each with at
 * most one write in flight; a write is one replicated batch holding one INSERT of a 100-byte TEXT
 * row into a random shard, with a unique tx id. Clients are asynchronous (one gRPC channel per
 * server, no thread per client), so the load generator stays cheap on a small shared machine.
 */
public final class ShardWriteLoad implements AutoCloseable {
  /** Which server receives a write. */
  public enum Route {
    /** Round-robin over all servers: most writes reach a non-leader and are forwarded to the group leader. */
    SPREAD,
    /** The server that hosts the shard's leader (as last seen by {@link #refreshLeaders()}). */
    LEADER
  }

  /** What one load run did: exact counts, every committed write's latency, errors by code. */
  public record Result(int concurrency, double elapsedSeconds, long committed, long[] latencyNanos,
      Map<String, Long> errorsByCode) {
    public long errors() {
      return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  public static final String TABLE_DDL = "CREATE TABLE IF NOT EXISTS bench(id INTEGER PRIMARY KEY, v TEXT NOT NULL)";
  private static final Statement INSERT = Statements.of("INSERT INTO bench(v) VALUES (?)", "v".repeat(100));
  private static final Duration ERROR_BACKOFF = Duration.ofMillis(5);

  private final List<ShardNodeClient> nodes;
  private final int groups;
  private final Route route;
  private final int[] leaderNode;
  private final ScheduledExecutorService backoff = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-backoff");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param grpcPorts the servers' data ports on 127.0.0.1, in node order
   * @param deadline per-write deadline
   */
  public ShardWriteLoad(List<Integer> grpcPorts, int groups, Route route, Duration deadline) {
    this.nodes = new ArrayList<>();
    for (int port : grpcPorts) {
      nodes.add(new ShardNodeClient("127.0.0.1", port, deadline));
    }
    this.groups = groups;
    this.route = route;
    this.leaderNode = new int[groups];
    for (int s = 0; s < groups; s++) {
      leaderNode[s] = s % nodes.size();
    }
  }

  /** Creates the bench table on every shard, retrying while groups elect their leaders. */
  public void createTables(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    for (int s = 0; s < groups; s++) {
      WriteBatch batch = WriteBatch.newBuilder().setTxId("bench-schema-" + s).addStatements(Statements.of(TABLE_DDL)).build();
      for (int attempt = 0; ; attempt++) {
        ShardResult r;
        try {
          r = nodes.get((s + attempt) % nodes.size()).write(s, batch);
        } catch (ShardliteException e) {
          r = ShardResult.newBuilder().setError(e.toProto()).build();
        }
        if (!r.hasError()) {
          break;
        }
        if (!r.getError().getRetryable() || System.nanoTime() > end) {
          throw new IllegalStateException("cannot create the bench table on shard " + s + ": " + r.getError().getCode()
              + " " + r.getError().getMessage());
        }
        Thread.sleep(200);
      }
    }
  }

  /** Learns which server leads each shard (for {@link Route#LEADER}); returns shard -> node index. */
  public int[] refreshLeaders() {
    for (int i = 0; i < nodes.size(); i++) {
      ListGroupsResponse r = nodes.get(i).listGroups();
      for (GroupStatus g : r.getGroupsList()) {
        if ("LEADER".equals(g.getRole()) && g.getShardId() < groups) {
          leaderNode[g.getShardId()] = i;
        }
      }
    }
    return leaderNode.clone();
  }

  /** Runs {@code concurrency} closed-loop clients for {@code seconds}; tx ids start with {@code label}. */
  public Result run(String label, int concurrency, double seconds) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    CountDownLatch done = new CountDownLatch(concurrency);
    List<Client> clients = new ArrayList<>();
    for (int c = 0; c < concurrency; c++) {
      clients.add(new Client(label + "-" + c + "-", c, end, done));
    }
    clients.forEach(Client::issue);
    long grace = TimeUnit.SECONDS.toNanos(30);
    if (!done.await(end - System.nanoTime() + grace, TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException("load run " + label + ": clients did not finish within 30 s after the end");
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long committed = 0;
    int n = 0;
    Map<String, Long> errors = new TreeMap<>();
    for (Client c : clients) {
      synchronized (c) {
        committed += c.committed;
        n += c.n;
        c.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
      }
    }
    long[] all = new long[n];
    int at = 0;
    for (Client c : clients) {
      synchronized (c) {
        System.arraycopy(c.latencies, 0, all, at, c.n);
        at += c.n;
      }
    }
    return new Result(concurrency, elapsed, committed, all, errors);
  }

  /** One closed-loop client: issues the next write when the previous one completes. */
  private final class Client {
    private final String txPrefix;
    private final int id;
    private final long end;
    private final CountDownLatch done;
    private final SplittableRandom random;
    private long seq;
    private int nextNode;
    private long[] latencies = new long[256];
    private int n;
    private long committed;
    private final Map<String, Long> errors = new TreeMap<>();

    Client(String txPrefix, int id, long end, CountDownLatch done) {
      this.txPrefix = txPrefix;
      this.id = id;
      this.end = end;
      this.done = done;
      this.random = new SplittableRandom(System.nanoTime() ^ ((long) id << 32));
      this.nextNode = id % nodes.size();
    }

    synchronized void issue() {
      if (System.nanoTime() >= end) {
        done.countDown();
        return;
      }
      int shard = random.nextInt(groups);
      ShardNodeClient node;
      if (route == Route.LEADER) {
        node = nodes.get(leaderNode[shard]);
      } else {
        node = nodes.get(nextNode);
        nextNode = (nextNode + 1) % nodes.size();
      }
      WriteBatch batch = WriteBatch.newBuilder().setTxId(txPrefix + seq++).addStatements(INSERT).build();
      long t0 = System.nanoTime();
      ListenableFuture<ShardResult> f;
      try {
        f = node.writeAsync(shard, batch);
      } catch (RuntimeException e) {
        failed(codeOf(e));
        return;
      }
      Futures.addCallback(f, new FutureCallback<>() {
        @Override
        public void onSuccess(ShardResult r) {
          long latency = System.nanoTime() - t0;
          if (r.hasError()) {
            failed(r.getError().getCode().name());
          } else {
            succeeded(latency);
          }
        }

        @Override
        public void onFailure(Throwable t) {
          failed(codeOf(t));
        }
      }, MoreExecutors.directExecutor());
    }

    private void succeeded(long latency) {
      synchronized (this) {
        committed++;
        if (n == latencies.length) {
          latencies = Arrays.copyOf(latencies, n * 2);
        }
        latencies[n++] = latency;
      }
      issue();
    }

    /** Counted, never hidden; a short pause keeps a failing client from spinning. */
    private void failed(String code) {
      synchronized (this) {
        errors.merge(code, 1L, Long::sum);
      }
      backoff.schedule(this::issue, ERROR_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static String codeOf(Throwable t) {
    if (t instanceof StatusRuntimeException e) {
      return ShardNodeClient.transportError(e).code().name();
    }
    if (t instanceof ShardliteException e) {
      return e.code().name();
    }
    return t.getClass().getSimpleName();
  }

  @Override
  public void close() {
    backoff.shutdownNow();
    nodes.forEach(ShardNodeClient::close);
  }
}
