package io.shardlite.vmaster.server;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.sequencer.LsnStream;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.PartReply;
import io.shardlite.proto.PartRequest;
import io.shardlite.proto.ResolvePart;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.Statement;
import io.shardlite.proto.TxRequest;
import io.shardlite.proto.TxState;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroupResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one owned shard. It claims the shard's epoch in the shard group (and
 * first resolves any multi-shard part a previous owner left prepared), then works through its
 * queue in order:
 *
 * <ul>
 *   <li>Single-shard writes are grouped: one LSN request on the virtual master's ordered LSN
 *       stream, one ordered entry in the shard group with the lane's epoch. LSN order equals the
 *       lane's order equals the shard's log order.
 *   <li>A reservation holds the lane for one multi-shard transaction: every earlier transaction has
 *       its LSN, nothing later is sequenced before its part is prepared (which proves its LSN,
 *       requested by the coordinator while every participant lane is held, exists) and nothing
 *       later is proposed until it is resolved, so its LSN fits every shard's order. The part is
 *       prepared durably in the shard group, in the same entry as the earlier groups not yet
 *       proposed, then committed or aborted, in the same entry as the next group of writes when
 *       there is one.
 * </ul>
 *
 * <p>Pipelined: up to {@code pipeline} groups have their LSN requests out at once (the stream
 * answers them in order), while the oldest group is proposed. Proposals stay one at a time, in
 * LSN order, so nothing can overtake in the shard's log; what the pipeline saves is the sequencer
 * round trip on the critical path. A reservation waits until every earlier group has its LSNs.
 *
 * <p>A stale epoch means the shard moved to a newer owner: the lane stops and everything queued or
 * in the pipeline fails retryably (a group whose LSN was assigned but never proposed leaves an
 * unused LSN, which is allowed: a shard only requires increasing LSNs).
 */
final class Lane implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);
  /** Longest a lane waits for a multi-shard coordinator's next step (then it releases or asks the sequencer). */
  static final long HOLD_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** A queued item: a single-shard write, or a reservation for a multi-shard transaction. */
  sealed interface Item permits Work, Reservation {}

  record Work(String txId, List<Statement> statements, CompletableFuture<ExecuteReply> reply, long deadlineNanos,
      long queuedNanos, long bytes) implements Item {
    Work(String txId, List<Statement> statements, CompletableFuture<ExecuteReply> reply, long deadlineNanos) {
      this(txId, statements, reply, deadlineNanos, System.nanoTime(),
          statements.stream().mapToLong(Statement::getSerializedSize).sum() + EntryBudget.TX_OVERHEAD_BYTES);
    }
  }

  /** The lane held for one multi-shard transaction; its prepare and resolve calls arrive here. */
  static final class Reservation implements Item {
    final String txId;
    final long deadlineNanos;
    final CompletableFuture<PartReply> reserved = new CompletableFuture<>();
    final LinkedBlockingQueue<PartCall> calls = new LinkedBlockingQueue<>();

    Reservation(String txId, long deadlineNanos) {
      this.txId = txId;
      this.deadlineNanos = deadlineNanos;
    }
  }

  record PartCall(boolean prepare, PartRequest request, CompletableFuture<PartReply> reply) {}

  /** A group of writes whose LSN request is out; proposed once every earlier group is done. */
  private record Group(List<Work> batch, long bytes, long deadlineNanos, long startNanos,
      CompletableFuture<AssignLsnsReply> lsns, AtomicLong lsnsAtNanos) {
    /** Its LSNs arrived (so it can join the entry of an earlier group without waiting). */
    boolean sequenced() {
      return lsns.isDone() && !lsns.isCompletedExceptionally();
    }
  }

  private final int shard;
  private final long epoch;
  private final String vmId;
  private final ShardDirectory directory;
  private final LsnStream lsns;
  private final SequencerClient sequencer;
  private final VmMetrics metrics;
  private final EntryBudget budget;
  private final int pipelineDepth;
  /** Groups with their LSN requests out, oldest first (worker thread only). */
  private final ArrayDeque<Group> pipeline = new ArrayDeque<>();
  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  /** Items the worker took from the queue and has not handled yet, in order. */
  private final ArrayDeque<Item> taken = new ArrayDeque<>();
  private final Thread worker;
  private volatile Reservation active;
  private volatile boolean stopped;
  private volatile String stopReason = "";

  Lane(int shard, long epoch, String vmId, ShardDirectory directory, LsnStream lsns, SequencerClient sequencer,
      VmMetrics metrics, EntryBudget budget, int pipelineDepth) {
    this.shard = shard;
    this.epoch = epoch;
    this.vmId = vmId;
    this.directory = directory;
    this.lsns = lsns;
    this.sequencer = sequencer;
    this.metrics = metrics;
    this.budget = budget;
    this.pipelineDepth = pipelineDepth;
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
      work.reply().complete(moving());
      return;
    }
    queue.add(work);
  }

  /** Queues a reservation for a multi-shard transaction; completes once the lane is held. */
  CompletableFuture<PartReply> reserve(String txId, long deadlineNanos) {
    if (stopped) {
      return CompletableFuture.completedFuture(partError(moving()));
    }
    Reservation r = new Reservation(txId, deadlineNanos);
    queue.add(r);
    return r.reserved;
  }

  /** Prepare or resolve for the transaction holding the lane. */
  CompletableFuture<PartReply> part(boolean prepare, PartRequest request) {
    Reservation r = active;
    CompletableFuture<PartReply> reply = new CompletableFuture<>();
    if (r != null && r.txId.equals(request.getTxId())) {
      r.calls.add(new PartCall(prepare, request, reply));
      return reply;
    }
    if (prepare) {
      // The reservation ran out (or never was): vote no; the coordinator aborts.
      reply.complete(partError(Errors.reply(ErrorCode.UNAVAILABLE, "shard " + shard + " is not reserved for "
          + request.getTxId() + " (the reservation ended); the transaction aborts", true)));
    } else {
      // Resolved here already, or never prepared: resolving again is harmless.
      reply.complete(resolveOnShard(request.getTxId(), request.getCommit(), 0));
    }
    return reply;
  }

  /**
   * Stops taking work; queued work fails retryably (it never got an LSN). What is in flight
   * finishes (acknowledged or failed), never abandoned half-way; a prepared part is resolved by
   * the next owner.
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
      while (!stopped) {
        if (taken.isEmpty() && pipeline.isEmpty()) {
          Item first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          taken.add(first);
        }
        queue.drainTo(taken);
        if (taken.peek() instanceof Reservation r) {
          if (!pipelineSequenced()) {
            settleLsns(); // the reservation needs every earlier group to have its LSNs
            continue;
          }
          taken.poll();
          hold(r);
          continue;
        }
        sequenceTakenWork();
        if (!pipeline.isEmpty()) {
          finishOldest();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("lane of shard {} failed", shard, e);
      stopReason = e.toString();
      stopped = true;
    } finally {
      for (Group g : pipeline) {
        // Never proposed: retrying elsewhere is safe (an LSN it may have got stays unused).
        g.batch().forEach(w -> w.reply().complete(moving()));
      }
      pipeline.clear();
      List<Item> left = new ArrayList<>(taken);
      taken.clear();
      fail(left);
      failQueued();
    }
  }

  /** Raises the shard's epoch to ours and resolves leftovers; false if a newer owner claimed it. */
  private boolean claim() throws InterruptedException {
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    while (!stopped) {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      String problem = "no shard server hosts shard " + shard + " yet";
      if (!servers.isEmpty()) {
        try {
          ShardResult claimed = servers.get(0).claim(shard, epoch, vmId);
          if (!claimed.hasError()) {
            resolveLeftovers(claimed.getPreparedTxIdsList());
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

  /** Whether every group in the pipeline has its LSNs. */
  private boolean pipelineSequenced() {
    for (Group g : pipeline) {
      if (!g.sequenced()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits (within the groups' deadline) until the pipeline's LSN requests are answered; groups
   * that got none are answered with the failure, and what was before them is proposed.
   */
  private void settleLsns() throws InterruptedException {
    Group last = pipeline.peekLast();
    if (!last.lsns().isDone()) {
      try {
        last.lsns().get(Math.max(1, last.deadlineNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // handled below, in order, as every group whose LSN request failed
      }
    }
    if (!pipelineSequenced()) {
      finishOldest();
    }
  }

  /** Takes what is queued and sequences the writes at its head (see {@link #sequenceTakenWork}). */
  private void sequenceQueuedWork() {
    queue.drainTo(taken);
    sequenceTakenWork();
  }

  /** Groups the writes at the head of what was taken and asks for their LSNs, while the pipeline has room. */
  private void sequenceTakenWork() {
    while (pipeline.size() < pipelineDepth && taken.peek() instanceof Work) {
      List<Work> batch = new ArrayList<>();
      long bytes = 0;
      while (taken.peek() instanceof Work w && budget.fits(batch.size(), bytes, 1, w.bytes())) {
        batch.add(w);
        bytes += w.bytes();
        taken.poll();
      }
      sequence(dropExpired(batch));
    }
  }

  /** Asks for the group's LSNs (in lane order on the ordered stream) and queues it for its proposal. */
  private void sequence(List<Work> batch) {
    if (batch.isEmpty()) {
      return;
    }
    long deadline = batch.stream().mapToLong(Work::deadlineNanos).max().orElseThrow();
    long bytes = batch.stream().mapToLong(Work::bytes).sum();
    List<TxRequest> txs = batch.stream()
        .map(w -> TxRequest.newBuilder().setTxId(w.txId()).addShards(shard).build()).toList();
    long now = System.nanoTime();
    metrics.lanePhase("queue", now - batch.get(0).queuedNanos());
    AtomicLong lsnsAt = new AtomicLong();
    CompletableFuture<AssignLsnsReply> assigned = lsns.assign(txs);
    assigned.whenComplete((r, e) -> lsnsAt.set(System.nanoTime()));
    pipeline.add(new Group(List.copyOf(batch), bytes, deadline, now, assigned, lsnsAt));
  }

  /**
   * Waits for the oldest group's LSNs, proposes it to the shard group, together with the groups
   * after it whose LSNs are already in (see {@link #takeEntry}), and answers their transactions.
   */
  private void finishOldest() throws InterruptedException {
    proposeEntry(null, null);
  }

  /**
   * Proposes the oldest group and the sequenced groups right behind it as ONE shard entry, with
   * a resolution first and a multi-shard part prepared last when given (then the entry takes
   * every group in the pipeline: they are all before the part); answers every group and returns
   * the shard's answer (null if the oldest group got no LSNs and nothing was proposed).
   */
  private WriteGroupResponse proposeEntry(ResolvePart resolveFirst, WriteBatch prepareLast)
      throws InterruptedException {
    List<Group> groups = new ArrayList<>();
    List<List<WriteBatch>> writes = new ArrayList<>();
    Group oldest = pipeline.poll();
    List<WriteBatch> first = awaitWrites(oldest);
    if (first == null) {
      return null;
    }
    groups.add(oldest);
    writes.add(first);
    takeEntry(groups, writes, prepareLast);
    if (prepareLast != null && !pipeline.isEmpty()) {
      throw new IllegalStateException("shard " + shard + ": a prepare must follow every group sequenced before it");
    }
    List<WriteBatch> all = new ArrayList<>();
    writes.forEach(all::addAll);
    long deadline = groups.stream().mapToLong(Group::deadlineNanos).max().orElseThrow();
    long proposing = System.nanoTime();
    if (resolveFirst != null || prepareLast != null) {
      deadline = Math.max(deadline, proposing + TimeUnit.SECONDS.toNanos(10));
    }
    WriteGroupResponse response = propose(all, deadline, resolveFirst, prepareLast);
    metrics.proposedEntry(all.size());
    int offset = 0;
    for (int g = 0; g < groups.size(); g++) {
      int n = writes.get(g).size();
      answer(groups.get(g), writes.get(g), slice(response, offset, n), proposing);
      offset += n;
    }
    return response;
  }

  /**
   * Adds to an entry the groups behind it whose LSNs have arrived, in order, while the entry's
   * budget allows. Groups proposed one at a time would each cost a Raft round; their LSNs are
   * consecutive in the lane's order, so one entry keeps the shard's log in LSN order. Room is kept
   * for a part prepared last, when there is one.
   */
  private void takeEntry(List<Group> groups, List<List<WriteBatch>> writes, WriteBatch prepareLast)
      throws InterruptedException {
    int txs = groups.get(0).batch().size() + (prepareLast == null ? 0 : 1);
    long bytes = groups.get(0).bytes() + (prepareLast == null ? 0 : partBytes(prepareLast));
    while (pipeline.peek() != null && pipeline.peek().sequenced()
        && budget.fits(txs, bytes, pipeline.peek().batch().size(), pipeline.peek().bytes())) {
      Group next = pipeline.poll();
      List<WriteBatch> w = awaitWrites(next); // already answered: does not wait
      if (w == null) {
        break;
      }
      groups.add(next);
      writes.add(w);
      txs += next.batch().size();
      bytes += next.bytes();
    }
  }

  /** One group's part of an entry's response (an error answers every group). */
  private static WriteGroupResponse slice(WriteGroupResponse response, int offset, int count) {
    if (response.hasError()) {
      return response;
    }
    return WriteGroupResponse.newBuilder()
        .addAllResults(response.getResultsList().subList(offset, offset + count)).build();
  }

  /**
   * The group's writes with their LSNs, once assigned; null when there are none (then the group's
   * transactions have failed retryably: nothing was proposed).
   */
  private List<WriteBatch> awaitWrites(Group group) throws InterruptedException {
    List<Work> batch = group.batch();
    AssignLsnsReply assigned;
    try {
      assigned = group.lsns().get(Math.max(1, group.deadlineNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // Nothing was proposed: the transactions can be retried (a later LSN, if any, was never used).
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      batch.forEach(w -> w.reply().complete(Errors.unavailable("no global LSN for shard " + shard + ": " + cause)));
      return null;
    }
    long now = System.nanoTime();
    long lsnsAt = group.lsnsAtNanos().get() == 0 ? now : group.lsnsAtNanos().get();
    metrics.lanePhase("lsn", lsnsAt - group.startNanos());
    metrics.lanePhase("wait", now - lsnsAt);
    long time = System.currentTimeMillis();
    List<WriteBatch> writes = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Work w = batch.get(i);
      writes.add(WriteBatch.newBuilder().setTxId(w.txId()).setGlobalLsn(assigned.getTxs(i).getLsn()).setEpoch(epoch)
          .setTimestampMillis(time).setRandomSeed(ThreadLocalRandom.current().nextLong())
          .addAllStatements(w.statements()).build());
    }
    return writes;
  }

  /** Answers a proposed group's transactions from the shard group's response. */
  private void answer(Group group, List<WriteBatch> writes, WriteGroupResponse response, long proposingNanos) {
    List<Work> batch = group.batch();
    metrics.lanePhase("propose", System.nanoTime() - proposingNanos);
    if (response.hasError()) {
      batch.forEach(w -> w.reply().complete(ExecuteReply.newBuilder().setError(response.getError()).build()));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      ShardResult r = response.getResults(i);
      if (r.hasError() && r.getError().getCode() == ErrorCode.STALE_EPOCH) {
        batch.get(i).reply().complete(fenced());
        continue;
      }
      if (r.hasError() && r.getError().getCode() == ErrorCode.PART_IN_DOUBT) {
        // A part this lane does not know of is prepared (its prepare's answer was lost): the lane
        // stops; its successor resolves the part when it claims the shard. Nothing was written.
        stop("a multi-shard part is in doubt on the shard");
        batch.get(i).reply().complete(moving());
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
    metrics.committed(shard, batch.size(), System.nanoTime() - group.startNanos());
  }

  /**
   * Resolves the held transaction's part in the same entry as the next group of writes (one Raft
   * entry instead of two; the group's LSNs, asked for after the prepare, are above the
   * transaction's). If that entry's outcome is unknown, the resolution is settled on its own
   * (idempotent) before anything later is proposed, so nothing overtakes it in the shard's log.
   */
  private PartReply resolveWithNextGroup(String txId, boolean commit) throws InterruptedException {
    ResolvePart resolve = ResolvePart.newBuilder().setTxId(txId).setCommit(commit).setEpoch(epoch).build();
    WriteGroupResponse response = proposeEntry(resolve, null);
    if (response == null) {
      return resolveOnShard(txId, commit, 0);
    }
    ShardResult resolved = response.getResolved();
    boolean settled = !response.hasError() && response.hasResolved()
        && !(resolved.hasError() && Errors.retryable(resolved.getError()));
    return settled ? toPart(resolved) : resolveOnShard(txId, commit, 0);
  }

  /**
   * Proposes the group until the shard group answers or the deadline passes. Repeating is safe:
   * the shard answers a transaction id it already applied with the recorded outcome.
   */
  private WriteGroupResponse propose(List<WriteBatch> writes, long deadlineNanos, ResolvePart resolveFirst,
      WriteBatch prepareLast) throws InterruptedException {
    String last = "no shard server hosts shard " + shard;
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    while (System.nanoTime() - deadlineNanos < 0) {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      if (!servers.isEmpty()) {
        try {
          WriteGroupResponse response = servers.get(0).writeGroupAsync(shard, writes, resolveFirst, prepareLast)
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

  /**
   * Holds the lane for one multi-shard transaction. Unprepared, the hold ends at the reservation's
   * deadline (nothing durable happened). Prepared, it ends only with a resolution: from the
   * coordinator, or, if the coordinator falls silent, from the sequencer's decision (recording
   * ABORT first when still undecided: the first decision wins everywhere).
   */
  private void hold(Reservation r) throws InterruptedException {
    if (System.nanoTime() - r.deadlineNanos >= 0) {
      r.reserved.complete(partError(Errors.reply(ErrorCode.TIMEOUT, "reservation expired in the queue", true)));
      return;
    }
    active = r;
    long heldAt = System.nanoTime();
    String end = "stopped";
    try {
      r.reserved.complete(PartReply.getDefaultInstance());
      boolean prepared = false;
      // A held lane stops its shard: whatever the transaction's own deadline, a silent coordinator
      // holds it for at most HOLD_LIMIT per phase.
      long phaseEnd = Math.min(r.deadlineNanos, System.nanoTime() + HOLD_LIMIT_NANOS);
      while (true) {
        long wait = phaseEnd - System.nanoTime();
        PartCall call = wait > 0 ? r.calls.poll(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS)
            : null;
        if (call == null) {
          if (stopped) {
            return;
          }
          if (wait > 0) {
            if (prepared) {
              sequenceQueuedWork();
            }
            continue;
          }
          if (prepared) {
            boolean commit = decisionOf(r.txId);
            LOG.info("shard {}: resolving {} from the sequencer's decision: {}", shard, r.txId, commit ? "commit" : "abort");
            stopUnlessSettled(r.txId, "resolve", resolveOnShard(r.txId, commit, 0));
            end = "sequencer";
          } else {
            end = "expired";
          }
          return;
        }
        if (call.prepare()) {
          PartReply reply = prepareAfterPipeline(call.request());
          call.reply().complete(reply);
          if (reply.hasError()) {
            if (Errors.retryable(reply.getError())) {
              stopUnlessSettled(r.txId, "prepare", reply); // unknown outcome: the part may be prepared
            }
            end = "prepare_failed";
            return;
          }
          prepared = true;
          phaseEnd = System.nanoTime() + HOLD_LIMIT_NANOS;
          // The transaction's LSN is assigned (the prepare carries it): later writes may get theirs
          // now, above it, and the first group goes to the shard with the resolution.
          sequenceQueuedWork();
        } else {
          boolean commit = call.request().getCommit();
          PartReply resolved = prepared && !pipeline.isEmpty() ? resolveWithNextGroup(r.txId, commit)
              : resolveOnShard(r.txId, commit, r.deadlineNanos);
          call.reply().complete(resolved);
          if (prepared) {
            stopUnlessSettled(r.txId, "resolve", resolved);
          }
          end = prepared ? "resolved" : "released";
          return;
        }
      }
    } finally {
      active = null;
      metrics.held(end, System.nanoTime() - heldAt);
      for (PartCall late; (late = r.calls.poll()) != null; ) {
        late.reply().complete(late.prepare()
            ? partError(Errors.reply(ErrorCode.UNAVAILABLE, "the reservation of shard " + shard + " ended", true))
            : resolveOnShard(r.txId, late.request().getCommit(), 0));
      }
    }
  }

  /**
   * Stops the lane when a part may still be prepared on the shard (its prepare or resolution has
   * no confirmed outcome): nothing may be written after it, and the next lane (same epoch, started
   * on the next ownership sync) resolves it from the sequencer's decision when it claims the shard.
   */
  private void stopUnlessSettled(String txId, String step, PartReply reply) {
    if (reply.hasError()) {
      LOG.warn("shard {}: {} of {} not confirmed ({}); the lane stops and its successor resolves the part",
          shard, step, txId, reply.getError().getMessage());
      stop(step + " of " + txId + " not confirmed");
    }
  }

  /**
   * Prepares the held transaction's part. The groups still in the pipeline were sequenced before
   * the lane was reserved (their LSNs are below the transaction's): they go to the shard in the
   * same entry, before the part, instead of one entry each (as many as fit go with it; the others
   * first, on their own).
   */
  private PartReply prepareAfterPipeline(PartRequest request) throws InterruptedException {
    WriteBatch part = partBatch(request);
    while (!pipeline.isEmpty() && !pipelineFitsWith(part)) {
      finishOldest();
    }
    if (pipeline.isEmpty()) {
      return prepareOnShard(part);
    }
    WriteGroupResponse response = proposeEntry(null, part);
    if (response == null) {
      return prepareOnShard(part);
    }
    if (response.hasError()) {
      return response.getError().getCode() == ErrorCode.STALE_EPOCH ? partError(fenced())
          : PartReply.newBuilder().setError(response.getError()).build();
    }
    if (!response.hasPrepared()) {
      return partError(Errors.reply(ErrorCode.INTERNAL, "shard " + shard + " did not answer the prepare of "
          + request.getTxId(), false));
    }
    return fencedOrPart(response.getPrepared());
  }

  private boolean pipelineFitsWith(WriteBatch part) {
    int txs = 1;
    long bytes = partBytes(part);
    for (Group g : pipeline) {
      if (!budget.fits(txs, bytes, g.batch().size(), g.bytes())) {
        return false;
      }
      txs += g.batch().size();
      bytes += g.bytes();
    }
    return true;
  }

  private static long partBytes(WriteBatch part) {
    return part.getSerializedSize() + EntryBudget.TX_OVERHEAD_BYTES;
  }

  private WriteBatch partBatch(PartRequest request) {
    return WriteBatch.newBuilder().setTxId(request.getTxId()).setGlobalLsn(request.getGlobalLsn())
        .setEpoch(epoch).setTimestampMillis(request.getTimestampMillis()).setRandomSeed(request.getRandomSeed())
        .addAllStatements(request.getStatementsList()).build();
  }

  private PartReply prepareOnShard(WriteBatch part) {
    return fencedOrPart(onShard(client -> client.prepare(shard, part), System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
  }

  private PartReply fencedOrPart(ShardResult r) {
    if (r.hasError() && r.getError().getCode() == ErrorCode.STALE_EPOCH) {
      // Nothing was prepared: the transaction aborts and may be retried, as a fenced write.
      return partError(fenced());
    }
    return toPart(r);
  }

  /** Resolves a part on the shard, retrying retryable failures for at least 10 s. */
  private PartReply resolveOnShard(String txId, boolean commit, long deadlineNanos) {
    long deadline = Math.max(deadlineNanos, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    return toPart(onShard(client -> client.resolve(shard, txId, commit, epoch), deadline));
  }

  private static PartReply toPart(ShardResult r) {
    return r.hasError() ? PartReply.newBuilder().setError(r.getError()).build()
        : PartReply.newBuilder().addAllResults(r.getResultsList()).build();
  }

  /** The recorded decision (true = commit); records ABORT first when the transaction is undecided. */
  private boolean decisionOf(String txId) {
    try {
      var known = sequencer.getDecision(txId);
      if (known.getState() == TxState.TX_DECIDED) {
        return known.getDecision().getOutcome() == Outcome.COMMIT;
      }
      if (known.getState() != TxState.TX_UNDECIDED) {
        return false;
      }
      return sequencer.decide(txId, Outcome.ABORT, known.getLsn()).getDecision().getOutcome() == Outcome.COMMIT;
    } catch (ShardliteException e) {
      throw new IllegalStateException("cannot learn the decision of " + txId + ": " + e.getMessage(), e);
    }
  }

  /** Resolves the parts a previous owner left prepared, before this lane writes anything. */
  private void resolveLeftovers(List<String> txIds) {
    for (String txId : txIds) {
      boolean commit = decisionOf(txId);
      LOG.info("shard {}: resolving {} left by the previous owner: {}", shard, txId, commit ? "commit" : "abort");
      PartReply r = resolveOnShard(txId, commit, 0);
      if (r.hasError()) {
        throw new IllegalStateException("cannot resolve " + txId + " on shard " + shard + ": " + r.getError().getMessage());
      }
    }
  }

  /** Runs a call against the shard's servers (leader first), retrying retryable errors until the deadline. */
  private ShardResult onShard(Function<ShardNodeClient, ShardResult> call, long deadlineNanos) {
    String last = "no shard server hosts shard " + shard;
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    do {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      if (!servers.isEmpty()) {
        try {
          ShardResult r = call.apply(servers.get(0));
          if (!r.hasError() || !Errors.retryable(r.getError())) {
            return r;
          }
          last = r.getError().getMessage();
        } catch (ShardliteException e) {
          last = e.getMessage();
        }
      }
      directory.refresh();
      LockSupport.parkNanos(backoff);
      backoff = Math.min(backoff * 2, TimeUnit.MILLISECONDS.toNanos(500));
    } while (System.nanoTime() - deadlineNanos < 0);
    return ShardResult.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.TIMEOUT).setRetryable(true)
        .setStatementIndex(-1).setMessage("shard " + shard + " did not answer within the deadline: " + last)).build();
  }

  /** A newer owner claimed the shard: this lane stops; the refused work may be retried (the newer owner serves it). */
  private ExecuteReply fenced() {
    stop("fenced by a newer owner");
    return Errors.unavailable("shard " + shard + " moved to a newer owner; retry");
  }

  private ExecuteReply moving() {
    return Errors.unavailable("shard " + shard + " is moving to another owner: " + stopReason);
  }

  private static PartReply partError(ExecuteReply reply) {
    return PartReply.newBuilder().setError(reply.getError()).build();
  }

  private void failQueued() {
    List<Item> left = new ArrayList<>();
    queue.drainTo(left);
    fail(left);
  }

  private void fail(List<Item> items) {
    for (Item item : items) {
      if (item instanceof Work w) {
        w.reply().complete(moving());
      } else if (item instanceof Reservation r) {
        r.reserved.complete(partError(moving()));
      }
    }
  }
}
