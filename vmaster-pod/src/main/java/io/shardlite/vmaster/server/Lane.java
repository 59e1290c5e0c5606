package io.shardlite.vmaster.server;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.sequencer.LsnStream;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.Statement;
import io.shardlite.proto.TxRequest;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroupResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one owned shard. It claims the shard's epoch in the shard group, then
 * repeatedly takes the queued transactions (group commit), gets their global LSNs in one request
 * on the virtual master's ordered LSN stream, and proposes them, in LSN order, as one entry to the
 * shard group with its epoch. So LSN order equals the lane's order equals the shard's log order.
 *
 * <p>The shard executes the statements deterministically when it applies the entry and returns
 * each transaction's results; a failing transaction rolls back alone. A stale epoch means the
 * shard moved to a newer owner: the lane stops and everything queued fails retryably.
 * One group is in flight at a time, so nothing can overtake.
 */
final class Lane implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);

  record Work(String txId, List<Statement> statements, CompletableFuture<ExecuteReply> reply, long deadlineNanos) {}

  private final int shard;
  private final long epoch;
  private final String vmId;
  private final ShardDirectory directory;
  private final LsnStream lsns;
  private final VmMetrics metrics;
  private final int maxBatch;
  private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
  private final Thread worker;
  private volatile boolean stopped;
  private volatile String stopReason = "";

  Lane(int shard, long epoch, String vmId, ShardDirectory directory, LsnStream lsns, VmMetrics metrics, int maxBatch) {
    this.shard = shard;
    this.epoch = epoch;
    this.vmId = vmId;
    this.directory = directory;
    this.lsns = lsns;
    this.metrics = metrics;
    this.maxBatch = maxBatch;
    this.worker = new Thread(this, "lane-" + shard + "-e" + epoch);
    this.worker.setDaemon(true);
  }

  int shard() {
    return shard;
  }

  long epoch() {
    return epoch;
  }

  boolean isStopped() {
    return stopped;
  }

  int queueDepth() {
    return queue.size();
  }

  void start() {
    worker.start();
  }

  void submit(Work work) {
    if (stopped) {
      work.reply().complete(Errors.unavailable("shard " + shard + " is moving to another owner: " + stopReason));
      return;
    }
    queue.add(work);
  }

  /**
   * Stops taking work; queued work fails retryably (it never got an LSN). A group already in
   * flight finishes (acknowledged or failed), never abandoned half-way.
   */
  void stop(String reason) {
    stopReason = reason;
    stopped = true;
    failQueued();
  }

  @Override
  public void run() {
    try {
      if (!claim()) {
        return;
      }
      LOG.info("lane of shard {} serving at epoch {}", shard, epoch);
      List<Work> batch = new ArrayList<>();
      while (!stopped) {
        Work first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.clear();
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        commit(dropExpired(batch));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("lane of shard {} failed", shard, e);
      stopReason = e.toString();
      stopped = true;
    } finally {
      failQueued();
    }
  }

  /** Raises the shard's epoch to ours; false if a newer owner already claimed it. */
  private boolean claim() throws InterruptedException {
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    while (!stopped) {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      String problem = "no shard server hosts shard " + shard + " yet";
      if (!servers.isEmpty()) {
        try {
          ShardResult claimed = servers.get(0).claim(shard, epoch, vmId);
          if (!claimed.hasError()) {
            return true;
          }
          if (claimed.getError().getCode() == ErrorCode.STALE_EPOCH) {
            stop("epoch " + epoch + " is stale: " + claimed.getError().getMessage());
            return false;
          }
          problem = claimed.getError().getMessage();
        } catch (ShardliteException e) {
          problem = e.getMessage();
        }
      }
      LOG.debug("lane of shard {}: claim not done yet: {}", shard, problem);
      directory.refresh();
      LockSupport.parkNanos(backoff);
      backoff = Math.min(backoff * 2, TimeUnit.MILLISECONDS.toNanos(500));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
    return false;
  }

  private List<Work> dropExpired(List<Work> batch) {
    long now = System.nanoTime();
    List<Work> live = new ArrayList<>(batch.size());
    for (Work w : batch) {
      if (now - w.deadlineNanos() >= 0) {
        w.reply().complete(Errors.reply(ErrorCode.TIMEOUT, "deadline expired before the transaction was sequenced", true));
      } else {
        live.add(w);
      }
    }
    return live;
  }

  private void commit(List<Work> batch) throws InterruptedException {
    if (batch.isEmpty()) {
      return;
    }
    long deadline = batch.stream().mapToLong(Work::deadlineNanos).max().orElseThrow();
    long start = System.nanoTime();
    AssignLsnsReply assigned;
    try {
      List<TxRequest> txs = batch.stream()
          .map(w -> TxRequest.newBuilder().setTxId(w.txId()).addShards(shard).build()).toList();
      assigned = lsns.assign(txs).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // Nothing was proposed: the transactions can be retried (a later LSN, if any, was never used).
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      batch.forEach(w -> w.reply().complete(Errors.unavailable("no global LSN for shard " + shard + ": " + cause)));
      return;
    }
    long now = System.currentTimeMillis();
    List<WriteBatch> writes = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Work w = batch.get(i);
      writes.add(WriteBatch.newBuilder().setTxId(w.txId()).setGlobalLsn(assigned.getTxs(i).getLsn()).setEpoch(epoch)
          .setTimestampMillis(now).setRandomSeed(ThreadLocalRandom.current().nextLong())
          .addAllStatements(w.statements()).build());
    }
    WriteGroupResponse response = propose(writes, deadline);
    if (response.hasError()) {
      batch.forEach(w -> w.reply().complete(ExecuteReply.newBuilder().setError(response.getError()).build()));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      ShardResult r = response.getResults(i);
      if (r.hasError() && r.getError().getCode() == ErrorCode.STALE_EPOCH) {
        stop("fenced by a newer owner");
        batch.get(i).reply().complete(Errors.unavailable("shard " + shard + " moved to a newer owner; retry"));
        continue;
      }
      ExecuteReply.Builder reply = ExecuteReply.newBuilder().setShard(shard);
      if (r.hasError()) {
        reply.setError(r.getError());
      } else {
        reply.addAllResults(r.getResultsList()).setGlobalLsn(writes.get(i).getGlobalLsn());
      }
      batch.get(i).reply().complete(reply.build());
    }
    metrics.committed(shard, batch.size(), System.nanoTime() - start);
  }

  /**
   * Proposes the group until the shard group answers or the deadline passes. Repeating is safe:
   * the shard answers a transaction id it already applied with the recorded outcome.
   */
  private WriteGroupResponse propose(List<WriteBatch> writes, long deadlineNanos) throws InterruptedException {
    String last = "no shard server hosts shard " + shard;
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    while (System.nanoTime() - deadlineNanos < 0) {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      if (!servers.isEmpty()) {
        try {
          WriteGroupResponse response = servers.get(0).writeGroupAsync(shard, writes)
              .get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
          Error error = response.hasError() ? response.getError() : null;
          if (error == null || !Errors.retryable(error)) {
            return response;
          }
          last = error.getMessage();
        } catch (ExecutionException e) {
          last = String.valueOf(e.getCause());
        } catch (TimeoutException e) {
          break;
        }
      }
      directory.refresh();
      LockSupport.parkNanos(backoff);
      backoff = Math.min(backoff * 2, TimeUnit.MILLISECONDS.toNanos(500));
    }
    return WriteGroupResponse.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.TIMEOUT).setRetryable(true)
        .setStatementIndex(-1).setMessage("shard " + shard + " did not confirm within the deadline (outcome unknown;"
            + " retrying with the same idempotency key is safe): " + last)).build();
  }

  private void failQueued() {
    List<Work> left = new ArrayList<>();
    queue.drainTo(left);
    left.forEach(w -> w.reply().complete(Errors.unavailable("shard " + shard + " is moving to another owner: " + stopReason)));
  }
}
