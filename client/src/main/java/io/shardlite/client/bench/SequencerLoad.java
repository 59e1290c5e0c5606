package io.shardlite.client.bench;

import io.shardlite.common.sequencer.LsnStream;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.TxRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop LSN load on a sequencer group: {@code streams} virtual masters, each with one
 * pipelined LSN stream keeping {@code inFlight} requests of {@code batch} single-shard
 * transactions outstanding. Checks the answers as it goes: no errors, LSNs increasing per stream.
 */
public final class SequencerLoad {
  /** One data point; latency is per request, from send to reply. */
  public record Point(int batch, int streams, double seconds, long requests, long lsns, long errors,
      long orderViolations, double lsnsPerSec, double requestsPerSec, double p50Ms, double p99Ms) {}

  private SequencerLoad() {}

  public static Point run(SequencerClient client, String runId, int shards, int batch, int streams, int inFlight,
      double warmupSeconds, double seconds) throws InterruptedException {
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = warmEnd + (long) (seconds * 1e9);
    AtomicLong requests = new AtomicLong();
    AtomicLong lsns = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    long[] latencies = new long[1 << 21];
    AtomicLong recorded = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      String vm = runId + "-vm" + s;
      client.register(vm, "bench:" + s, Duration.ofSeconds(120));
      int stream = s;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(stream);
        Semaphore slots = new Semaphore(inFlight);
        long[] last = {0};
        try (LsnStream lsnStream = client.openLsnStream(vm, vm + "-s", inFlight)) {
          for (long n = 0; System.nanoTime() < end; n++) {
            slots.acquireUninterruptibly();
            List<TxRequest> txs = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
              txs.add(TxRequest.newBuilder().setTxId(vm + "-" + n + "-" + i).addShards(random.nextInt(shards)).build());
            }
            long start = System.nanoTime();
            boolean measured = start >= warmEnd;
            lsnStream.assign(txs).whenComplete((AssignLsnsReply r, Throwable e) -> {
              long done = System.nanoTime();
              slots.release();
              if (e != null || r.hasError()) {
                errors.incrementAndGet();
                return;
              }
              synchronized (last) {
                // Replies of one stream arrive in request order with increasing LSNs.
                if (r.getTxs(0).getLsn() <= last[0]) {
                  violations.incrementAndGet();
                }
                last[0] = r.getTxs(r.getTxsCount() - 1).getLsn();
              }
              if (measured && done <= end) {
                requests.incrementAndGet();
                lsns.addAndGet(r.getTxsCount());
                long i = recorded.getAndIncrement();
                if (i < latencies.length) {
                  latencies[(int) i] = done - start;
                }
              }
            });
          }
          slots.acquireUninterruptibly(inFlight);
        }
      }, "lsn-stream-" + s));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis((long) (warmupSeconds + seconds) + 120));
    }
    long[] sorted = Arrays.copyOf(latencies, (int) Math.min(recorded.get(), latencies.length));
    Arrays.sort(sorted);
    return new Point(batch, streams, seconds, requests.get(), lsns.get(), errors.get(), violations.get(),
        lsns.get() / seconds, requests.get() / seconds, BenchReport.percentile(sorted, 0.5) / 1e6,
        BenchReport.percentile(sorted, 0.99) / 1e6);
  }
}
