package io.shardlite.client.bench;

import io.shardlite.common.concurrent.Completions;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.sequencer.LsnStream;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.TxRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Closed-loop pipelined LSN load on a sequencer group: {@code streams} virtual masters, each
 * with one LSN stream keeping up to {@code inFlight} requests of {@code batch} transactions
 * outstanding (a new request goes out as soon as one is answered). Transactions write one random
 * shard of {@code shards}, a share of them two distinct shards. Every reply is checked
 * ({@link LsnCheck}).
 *
 * <p>Counted: replies (and their LSNs) that arrive inside the measured window after the warm-up;
 * latency is per request, from the call to {@code assign} to the reply, for those replies.
 */
public final class SequencerLoad {
  /** What one data point measured. */
  public record Result(int batch, int streams, double seconds, long requests, long lsns, long[] latencyNanos,
      Map<String, Long> errorsByCode, List<String> errorSamples, long answeredTxs) {
    public long errors() {
      return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** The unmeasured part of a point, and how the transactions look. */
  public record Shape(int shards, int batch, int streams, int inFlight, double multiShardShare) {}

  /** Lease of the benchmark's virtual masters, renewed every {@link #HEARTBEAT} while a point runs. */
  public static final Duration LEASE = Duration.ofSeconds(15);

  static final Duration HEARTBEAT = Duration.ofSeconds(3);

  private SequencerLoad() {}

  /** Runs one data point: registers the streams' virtual masters, loads, waits for every answer. */
  public static Result run(SequencerClient client, String runId, Shape shape, double warmupSeconds, double seconds,
      List<LsnCheck.Stream> checks) throws InterruptedException {
    Map<String, Long> errors = new TreeMap<>();
    List<String> errorSamples = new ArrayList<>();
    long[] counters = new long[2]; // requests, lsns (guarded by counters)
    List<long[]> latencies = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<LsnStream> lsnStreams = new ArrayList<>();
    List<String> vms = new ArrayList<>();
    for (int s = 0; s < shape.streams(); s++) {
      String vm = runId + "-vm" + s;
      vms.add(vm);
      client.register(vm, "bench:" + s, LEASE);
      lsnStreams.add(client.openLsnStream(vm, vm + "-s", shape.inFlight()));
    }
    // The clock starts once every virtual master is registered and every stream is open.
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = warmEnd + (long) (seconds * 1e9);
    Thread heartbeats = new Thread(() -> {
      // Short leases, renewed while the point runs: afterwards the virtual masters expire and the
      // sequencer drops their reply caches, so one point's state does not weigh on the next.
      while (System.nanoTime() < end) {
        LockSupport.parkNanos(Math.min(end - System.nanoTime(), HEARTBEAT.toNanos()));
        for (String vm : vms) {
          try {
            if (client.heartbeat(vm).hasError()) {
              synchronized (errors) {
                errors.merge("HEARTBEAT_REFUSED", 1L, Long::sum);
              }
            }
          } catch (RuntimeException e) {
            synchronized (errors) {
              errors.merge("HEARTBEAT_FAILED", 1L, Long::sum);
            }
          }
        }
      }
    }, "lsn-heartbeats");
    heartbeats.setDaemon(true);
    for (int s = 0; s < shape.streams(); s++) {
      String vm = vms.get(s);
      LsnCheck.Stream check = new LsnCheck.Stream(vm);
      checks.add(check);
      LsnStream lsnStream = lsnStreams.get(s);
      int stream = s;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(runId.hashCode() * 31L + stream);
        Semaphore slots = new Semaphore(shape.inFlight());
        long[][] lat = {new long[4096]};
        int[] n = {0};
        for (long seq = 0; System.nanoTime() < end; seq++) {
          slots.acquireUninterruptibly();
          List<TxRequest> txs = transactions(random, vm + "-" + seq, shape);
          long requestNo = seq;
          long start = System.nanoTime();
          lsnStream.assign(txs).whenComplete((AssignLsnsReply r, Throwable e) -> {
            try {
              long done = System.nanoTime();
              if (e != null) {
                check.skip(requestNo);
                Throwable cause = Completions.cause(e);
                String code = cause instanceof ShardliteException se ? se.code().name() : cause.getClass().getSimpleName();
                synchronized (errors) {
                  errors.merge(code, 1L, Long::sum);
                  if (errorSamples.size() < 5) {
                    errorSamples.add(vm + ": " + code + ": " + cause.getMessage());
                  }
                }
                return;
              }
              check.accept(requestNo, txs, r);
              if (done >= warmEnd && done <= end) {
                synchronized (lat) {
                  if (n[0] == lat[0].length) {
                    lat[0] = Arrays.copyOf(lat[0], n[0] * 2);
                  }
                  lat[0][n[0]++] = done - start;
                }
                synchronized (counters) {
                  counters[0]++;
                  counters[1] += r.getTxsCount();
                }
              }
            } finally {
              slots.release();
            }
          });
        }
        // Every answer (or failure) is in before the point ends.
        try {
          if (!slots.tryAcquire(shape.inFlight(), 120, TimeUnit.SECONDS)) {
            synchronized (errors) {
              errors.merge("NO_ANSWER_IN_120S", 1L, Long::sum);
            }
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        synchronized (lat) {
          synchronized (latencies) {
            latencies.add(Arrays.copyOf(lat[0], n[0]));
          }
        }
      }, "lsn-stream-" + s));
    }
    heartbeats.start();
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    heartbeats.join();
    lsnStreams.forEach(LsnStream::close);
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).toArray();
    long answered = checks.stream().mapToLong(LsnCheck.Stream::transactions).sum();
    synchronized (counters) {
      return new Result(shape.batch(), shape.streams(), seconds, counters[0], counters[1], all, Map.copyOf(errors),
          List.copyOf(errorSamples), answered);
    }
  }

  /** One request's transactions: ids {@code prefix-i}, one random shard, a share with two. */
  static List<TxRequest> transactions(SplittableRandom random, String prefix, Shape shape) {
    List<TxRequest> txs = new ArrayList<>(shape.batch());
    for (int i = 0; i < shape.batch(); i++) {
      TxRequest.Builder tx = TxRequest.newBuilder().setTxId(prefix + "-" + i);
      int a = random.nextInt(shape.shards());
      tx.addShards(a);
      if (shape.shards() > 1 && random.nextDouble() < shape.multiShardShare()) {
        int b = random.nextInt(shape.shards() - 1);
        tx.addShards(b >= a ? b + 1 : b);
      }
      txs.add(tx.build());
    }
    return txs;
  }
}
