package io.shardlite.k8stests;

import io.shardlite.common.client.ShardliteClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Transfers from a few threads until stopped, each through whatever client the supplier gives now. */
final class BankWorkload implements AutoCloseable {
  private final ExecutorService threads;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Future<?>> workers = new ArrayList<>();

  BankWorkload(BankLedger bank, Supplier<ShardliteClient> client, int clients, double crossBranch, long seed) {
    threads = Executors.newFixedThreadPool(clients, r -> {
      Thread t = new Thread(r, "bank-workload");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < clients; i++) {
      Random random = new Random(seed + i);
      workers.add(threads.submit(() -> {
        while (running.get()) {
          bank.transfer(client, random, crossBranch);
        }
        return null;
      }));
    }
  }

  /** Stops after the transfers in flight; rethrows what a worker failed with (a broken invariant). */
  @Override
  public void close() throws Exception {
    running.set(false);
    threads.shutdown();
    if (!threads.awaitTermination(2, TimeUnit.MINUTES)) {
      threads.shutdownNow();
      throw new IllegalStateException("bank workload did not stop within 2 minutes");
    }
    for (Future<?> w : workers) {
      w.get();
    }
  }
}
