package io.shardlite.vmaster.server;

import com.google.common.util.concurrent.ListenableFuture;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.sequencer.LsnStream;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.Error;
import io.shardlite.proto.GroupItem;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.PartReply;
import io.shardlite.proto.PartRequest;
import io.shardlite.proto.PreparePart;
import io.shardlite.proto.ReadPart;
import io.shardlite.proto.ResolvePart;
import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.Statement;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one owned shard. It claims the shard's epoch in the shard group (and
 * first resolves any multi-shard part a previous owner left prepared), then places everything on
 * the shard in global LSN order:
 *
 * <ul>
 *   <li>Single-shard writes are grouped: one LSN request on the virtual master's ordered LSN
 *       stream, one ordered entry in the shard group with the lane's epoch.
 *   <li>Multi-shard parts arrive as prepares from their coordinators, which got the transaction's
 *       LSN first. The sequencer names the multi-shard predecessor of every transaction on the
 *       shard, so the lane knows which part comes before which of its groups ({@link PartOrder}):
 *       groups below a part go first (in the same entry as its prepare when they can), the part is
 *       prepared, nothing else goes to the shard until it is resolved, and the resolution travels
 *       in the same entry as the next groups. A lane waits only for parts below its next write:
 *       never for a coordinator gathering other shards. With {@code --speculative-parts} a lane
 *       instead stacks parts and keeps writing on top of them, answering those writes once the
 *       parts below commit (see {@link Spec}).
 * </ul>
 *
 * <p>Pipelined: up to {@code pipeline} groups have their LSN requests out at once (the stream
 * answers them in order), while the oldest is proposed. Proposals stay one at a time, in LSN
 * order, so nothing can overtake in the shard's log, which the shard checks anyway (LSNs must
 * increase; a prepared part blocks everything but its resolution).
 *
 * <p>A part whose prepare does not come is looked up in the sequencer and, past the prepare limit,
 * aborted there (the first decision wins); a prepared part whose resolution does not come is
 * resolved from the sequencer's decision as soon as its coordinator is known to be gone, else past
 * the hold limit. Read-only parts are answered by a read in place and hold nothing. A stale epoch means the shard moved
 * to a newer owner: the lane stops and everything queued or in the pipeline fails retryably (a
 * group whose LSN was assigned but never proposed leaves an unused LSN, which is allowed: a shard
 * only requires increasing LSNs).
 */
final class Lane implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);
  /** Longest a lane waits for a multi-shard coordinator's next step (then it asks the sequencer). */
  static final long HOLD_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** A part below the lane's next write whose prepare is this late is looked up in the sequencer. */
  private static final long LOOKUP_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /**
   * A part whose prepare is this late is aborted in the sequencer. A coordinator sends its
   * prepares right after it gets the LSN, so this only happens when it died (or stalls): the
   * lane's later writes must not wait for it as long as for a prepared part's resolution.
   */
  static final long PREPARE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** A prepared part unresolved this long makes the lane ask its coordinator whether it still runs (then again). */
  private static final long PROBE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  /** Longest the worker sleeps when it has nothing to do (it wakes for any new item). */
  private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** How long a call to a shard server may go unanswered before the lane checks whether the shard's leader moved. */
  static final long MOVED_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);
  /** Longest the worker waits for the oldest group's LSNs before looking at new items. */
  private static final long LSN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** A queued item: a single-shard write, or a coordinator's call for a multi-shard part. */
  sealed interface Item permits Work, PartCall {}

  record Work(String txId, List<Statement> statements, CompletableFuture<ExecuteReply> reply, long deadlineNanos,
      long queuedNanos, long bytes) implements Item {
    Work(String txId, List<Statement> statements, CompletableFuture<ExecuteReply> reply, long deadlineNanos) {
      this(txId, statements, reply, deadlineNanos, System.nanoTime(),
          statements.stream().mapToLong(Statement::getSerializedSize).sum() + EntryBudget.TX_OVERHEAD_BYTES);
    }
  }

  /** A prepare or resolve for one multi-shard part. */
  record PartCall(boolean prepare, PartRequest request, CompletableFuture<PartReply> reply) implements Item {}

  /** An answer held back until every speculative part below it commits, and how to fail it instead. */
  private record Deferred(Runnable answer, Consumer<ExecuteReply> fail) {}

  /**
   * A part prepared speculatively on the shard and not resolved there yet. What the lane placed
   * after it (and before the next part) applied on top of it: those answers wait in
   * {@code waiting} until every part up to this one is decided COMMIT.
   */
  private static final class Spec {
    final PartOrder.Part<PartCall> part;
    final List<Deferred> waiting = new ArrayList<>();
    boolean committed;
    /**
     * Its coordinator's COMMIT came: the sequencer recorded the decision, so the part commits on
     * the shard whatever happens to this lane (a successor resolves it from the decision).
     */
    boolean decidedCommit;

    Spec(PartOrder.Part<PartCall> part) {
      this.part = part;
    }

    /** Nothing can roll it back any more: committed on the shard, or decided COMMIT. */
    boolean decided() {
      return committed || decidedCommit;
    }
  }

  /** A group of writes whose LSN request is out; proposed once every earlier group is done. */
  private record Group(List<Work> batch, long bytes, long deadlineNanos, long startNanos,
      CompletableFuture<AssignLsnsReply> lsns, AtomicLong lsnsAtNanos, AtomicBoolean learned) {
    /** Its LSNs arrived (so it can join the entry of an earlier group without waiting). */
    boolean sequenced() {
      return lsns.isDone() && !lsns.isCompletedExceptionally();
    }

    /** Its first LSN; sequenced groups only. */
    long firstLsn() {
      return lsns.join().getTxs(0).getLsn();
    }

    /** Its last LSN; sequenced groups only. */
    long lastLsn() {
      AssignLsnsReply r = lsns.join();
      return r.getTxs(r.getTxsCount() - 1).getLsn();
    }
  }

  private final int shard;
  private final long epoch;
  private final String vmId;
  private final ShardDirectory directory;
  /** The LSN stream this lane asks (worker thread only); see {@link StreamHandover}. */
  private final StreamHandover<LsnStream> lsns;
  private final SequencerClient sequencer;
  private final VmMetrics metrics;
  private final EntryBudget budget;
  private final int pipelineDepth;
  private final CoordinatorProbe probe;
  /** Most speculative parts stacked on the shard (0: a prepared part holds the shard, see {@link #stepHeld}). */
  private final int maxSpeculative;
  /** When the lane pauses after an entry before the next. */
  private final EntryPacing pacing;
  /** The CPU use the shard server reported with the last entry (worker thread only). */
  private int shardCpuPercent;
  /** Items the last write group carried (worker thread only; 0 before the first, so it never pauses). */
  private int lastEntryItems;
  /** When the last entry's proposal returned (worker thread only). */
  private long lastProposedNanos;
  /** The lane paused after the last entry: the pause goes into the metrics with the next entry (worker thread only). */
  private boolean gapCounted;
  /** The next wait is a pause's sleep, which arrivals do not cut short (worker thread only). */
  private boolean sleeping;
  /** The pacing verdict after the last entry is counted (worker thread only; nothing to judge before the first). */
  private boolean pacingJudged = true;
  /** How long a non-empty stack keeps taking parts (see {@link Speculation#stackLimit}). */
  private final long stackOpenLimitNanos;
  /** The speculative parts on the shard, lowest first (worker thread only). */
  private final ArrayDeque<Spec> stack = new ArrayDeque<>();
  /** Since when the next part waits for the stack to drain (0: it does not). */
  private long drainingSinceNanos;
  /** When the stack last went from empty to non-empty. */
  private long stackOpenedAtNanos;
  /**
   * The shard said that linearizable reads wait for its parts (they wait until the stack is
   * empty): the stack takes no more parts until it drained. Set from any answer of the shard,
   * cleared when the stack opens again (worker thread only).
   */
  private boolean readsWaiting;
  /** Groups with their LSN requests out, oldest first (worker thread only). */
  private final ArrayDeque<Group> pipeline = new ArrayDeque<>();
  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  /** Writes the worker took from the queue and has not grouped yet, in order. */
  private final ArrayDeque<Work> taken = new ArrayDeque<>();
  /** The multi-shard parts known here (worker thread only; set once the shard is claimed). */
  private PartOrder<PartCall> order;
  private final Thread worker;
  private volatile boolean stopped;
  private volatile String stopReason = "";

  Lane(int shard, long epoch, String vmId, ShardDirectory directory, Supplier<LsnStream> lsns, SequencerClient sequencer,
      VmMetrics metrics, EntryBudget budget, int pipelineDepth, Speculation speculation, EntryPacing pacing,
      CoordinatorProbe probe) {
    this.probe = probe;
    this.pacing = pacing;
    this.maxSpeculative = speculation.parts();
    this.stackOpenLimitNanos = speculation.stackLimit().toNanos();
    this.shard = shard;
    this.epoch = epoch;
    this.vmId = vmId;
    this.directory = directory;
    this.lsns = new StreamHandover<>(lsns, LsnStream::isClosed);
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

  /** A coordinator's prepare (with the part's LSN and predecessor here) or resolve for a multi-shard part. */
  CompletableFuture<PartReply> part(boolean prepare, PartRequest request) {
    CompletableFuture<PartReply> reply = new CompletableFuture<>();
    if (stopped) {
      reply.complete(partError(moving()));
      return reply;
    }
    queue.add(new PartCall(prepare, request, reply));
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
      Long claimedLsn = claim();
      if (claimedLsn == null) {
        return;
      }
      order = new PartOrder<>(claimedLsn);
      LOG.info("lane of shard {} serving at epoch {}", shard, epoch);
      long wait = 0;
      while (!stopped) {
        Item item;
        if (sleeping && wait > 0) {
          // A pause: what arrives meanwhile is taken at the next look, not each write as it comes.
          sleeping = false;
          LockSupport.parkNanos(this, wait);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          item = queue.poll();
        } else {
          item = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
        }
        for (; item != null && !stopped; item = queue.poll()) {
          accept(item);
        }
        sequenceTakenWork();
        wait = stopped ? 0 : step();
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
      taken.forEach(w -> w.reply().complete(moving()));
      taken.clear();
      for (Spec spec : stack) {
        // Their fate is the parts' below them, which the next owner resolves: retrying is safe.
        spec.part.resolutions.forEach(c -> c.reply().complete(partError(moving())));
        spec.waiting.forEach(d -> d.fail().accept(outcomeUnknown()));
      }
      stack.clear();
      if (order != null) {
        PartOrder.Part<PartCall> held = order.held();
        if (held != null) {
          // Prepared, unresolved: the next owner resolves it from the sequencer's decision.
          held.resolutions.forEach(c -> c.reply().complete(partError(moving())));
        }
        for (PartOrder.Part<PartCall> p : order.pendingParts()) {
          if (p.prepare != null) {
            p.prepare.reply().complete(partError(moving()));
          }
        }
      }
      failQueued();
    }
  }

  /** Takes one queued item: writes wait to be grouped; part calls go to the part order. */
  private void accept(Item item) {
    if (item instanceof Work w) {
      taken.add(w);
      return;
    }
    PartCall call = (PartCall) item;
    PartRequest q = call.request();
    long now = System.nanoTime();
    if (call.prepare()) {
      if (q.getSoleRead() && q.getGlobalLsn() <= order.placedLsn()) {
        readLate(call);
        return;
      }
      PartOrder.Part<PartCall> part = order.arrived(q.getTxId(), q.getGlobalLsn(), call, q.getPrevLsn(),
          q.getPrevMultiTxId(), now);
      if (part == null) {
        call.reply().complete(partError(Errors.reply(ErrorCode.UNAVAILABLE, "the part of " + q.getTxId() + " on shard "
            + shard + " can no longer be placed (it was resolved first, or later writes are on the shard); the"
            + " transaction aborts", true)));
      } else if (part.knownAtNanos != now) {
        // Named earlier as the predecessor of writes here: those writes (and all after them) waited
        // for this prepare at least this long.
        metrics.lanePhase("prepare_late", now - part.knownAtNanos);
      }
      return;
    }
    Spec spec = stacked(q.getTxId());
    if (spec != null) {
      spec.part.resolutions.add(call);
      if (q.getCommit() && !spec.decidedCommit) {
        spec.decidedCommit = true;
        answerDecided();
      }
      return;
    }
    PartOrder.Part<PartCall> held = order.held();
    if (held != null && held.txId.equals(q.getTxId())) {
      held.resolutions.add(call);
      return;
    }
    PartOrder.Part<PartCall> pending = order.pendingPart(q.getTxId());
    boolean known = pending != null || order.isSettled(q.getTxId());
    if (pending != null) {
      refuse(pending, "the transaction was resolved before it was placed");
    }
    order.settle(q.getTxId()); // a prepare that comes later is refused
    if (known || !q.getCommit()) {
      // Never prepared by this lane (an abort) or already resolved here: nothing on the shard to change.
      call.reply().complete(PartReply.getDefaultInstance());
    } else {
      // A commit this lane knows nothing of: a part a previous owner prepared (resolved when this
      // lane claimed the shard); the shard answers with its recorded outcome.
      call.reply().complete(resolveOnShard(q.getTxId(), true, 0));
    }
  }

  /** Writes in this lane not proposed yet: queued, taken, and in groups waiting for their entry. */
  private int waitingWrites() {
    int n = queue.size() + taken.size();
    for (Group g : pipeline) {
      n += g.batch().size();
    }
    return n;
  }

  /** Answers held until the speculative parts below them are decided. */
  private int heldAnswers() {
    int n = 0;
    for (Spec spec : stack) {
      n += spec.waiting.size();
    }
    return n;
  }

  /**
   * Places what comes next on the shard, if it can: the held part's resolution, a part, or groups
   * of writes. Returns how long to wait for new items before looking again (0: look right away).
   */
  private long step() throws InterruptedException {
    long now = System.nanoTime();
    PartOrder.Part<PartCall> held = order.held();
    if (held != null) {
      return stepHeld(held, now);
    }
    // Reads waiting for the stack's resolutions are not kept waiting longer by a pause.
    EntryPacing.Verdict verdict = readsWaiting && !stack.isEmpty() ? EntryPacing.Verdict.READS
        : pacing.verdict(lastEntryItems, waitingWrites(), heldAnswers(), shardCpuPercent);
    if (!pacingJudged) {
      // Once per entry, as the lane first looks after it: which condition decides shows in the metrics.
      pacingJudged = true;
      metrics.lanePacing(verdict.label());
    }
    long gap = verdict == EntryPacing.Verdict.PAUSE ? pacing.gapLeftNanos(now - lastProposedNanos, shardCpuPercent) : 0;
    if (gap > 0) {
      // Whatever arrives meanwhile joins the next entry: fewer, larger entries.
      gapCounted = true;
      long sleep = pacing.sleepNanos(gap);
      sleeping = sleep > 0;
      return sleeping ? sleep : gap;
    }
    long stackWait = Long.MAX_VALUE;
    if (!stack.isEmpty()) {
      if (!resolutionsReady().isEmpty()) {
        proposeItems(null); // carries these resolutions, and whatever else can go now
        return 0;
      }
      stackWait = awaitStack(now);
      if (stackWait == 0) {
        return 0;
      }
    }
    Group head = pipeline.peek();
    if (head != null && head.lsns().isDone() && !head.sequenced()) {
      pipeline.poll();
      awaitWrites(head); // answers its writes: no LSNs, nothing proposed
      return 0;
    }
    learnPredecessors(now);
    PartOrder.Part<PartCall> part = order.first();
    if (part != null && part.lsn <= order.placedLsn()) {
      if (part.prepare != null && part.prepare.request().getSoleRead()) {
        order.settle(part.txId);
        readLate(part.prepare); // read where the lane is now
        return 0;
      }
      // Writes above it are on the shard already (it was learned too late): it cannot be placed.
      refuse(part, "writes above its LSN are on the shard already");
      return 0;
    }
    if (part != null) {
      boolean partFirst = head == null
          || (head.sequenced() ? part.lsn < head.firstLsn() : PartOrder.follows(part, order.placedLsn()));
      if (partFirst) {
        if (part.prepare == null) {
          return Math.min(stackWait, awaitPrepare(part, now));
        }
        if (!canPlace(part)) {
          if (drainingSinceNanos == 0) {
            drainingSinceNanos = now;
            metrics.stackDrain(drainCause(part));
          }
          return Math.min(stackWait, IDLE_WAIT_NANOS); // the stack drains first (a resolution wakes the lane)
        }
        if (maxSpeculative > 0) {
          return proposeItems(part) ? 0 : LSN_WAIT_NANOS;
        }
        drained(now);
        prepare(part, null);
        return 0;
      }
    }
    if (head == null) {
      return Math.min(stackWait, part == null ? IDLE_WAIT_NANOS : awaitPrepare(part, now));
    }
    if (!head.sequenced()) {
      try {
        head.lsns().get(Math.max(1, Math.min(LSN_WAIT_NANOS, head.deadlineNanos() - now)), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() - head.deadlineNanos() >= 0) {
          pipeline.poll();
          awaitWrites(head); // answers the timeout
        }
      }
      return 0;
    }
    if (!stack.isEmpty() && pipeline.size() < pipelineDepth && !partRidesWith(part)) {
      // Their answers wait for the stack anyway: the groups grow until a resolution or a prepare
      // can carry them (one entry instead of several small ones). LSNs arriving do not wake the
      // worker: it looks again shortly.
      return Math.min(stackWait, LSN_WAIT_NANOS);
    }
    if (maxSpeculative > 0) {
      return proposeItems(null) ? 0 : LSN_WAIT_NANOS;
    }
    proposeEntry(null);
    return 0;
  }

  /** Whether the sequenced groups below {@code part} and its prepare can go in one entry now. */
  private boolean partRidesWith(PartOrder.Part<PartCall> part) {
    if (part == null || part.prepare == null || part.prepare.request().getReadOnly() || !canPlace(part)) {
      return false;
    }
    long last = order.placedLsn();
    for (Group g : pipeline) {
      if (!g.sequenced() || g.lastLsn() >= part.lsn) {
        break;
      }
      last = g.lastLsn();
    }
    return PartOrder.follows(part, last);
  }

  /**
   * The sequencer names the multi-shard predecessor of each transaction here: learns them from
   * every group whose LSNs arrived (once per group), before any of them is placed.
   */
  private void learnPredecessors(long now) {
    for (Group group : pipeline) {
      if (!group.sequenced()) {
        return;
      }
      if (group.learned().compareAndSet(false, true)) {
        for (TxLsn tx : group.lsns().join().getTxsList()) {
          for (ShardPrev prev : tx.getPrevList()) {
            if (prev.getShard() == shard && !prev.getPrevMultiTxId().isEmpty()) {
              order.predecessor(prev.getPrevLsn(), prev.getPrevMultiTxId(), now);
            }
          }
        }
      }
    }
  }

  /** The part cannot be placed any more: its prepare (if it came) is refused; the transaction aborts. */
  private void refuse(PartOrder.Part<PartCall> part, String why) {
    if (part.prepare != null) {
      part.prepare.reply().complete(partError(Errors.reply(ErrorCode.UNAVAILABLE, "the part of " + part.txId
          + " on shard " + shard + " cannot be placed (" + why + "); the transaction aborts", true)));
    }
    order.settle(part.txId);
  }

  /**
   * A part below the lane's next write whose prepare has not come: after a while the sequencer is
   * asked; a decided (or forgotten) transaction is settled, an undecided one past the prepare
   * limit is aborted there (the first decision wins, so its coordinator cannot commit it any more).
   */
  private long awaitPrepare(PartOrder.Part<PartCall> part, long now) {
    long age = now - part.knownAtNanos;
    if (age < LOOKUP_AFTER_NANOS) {
      return LOOKUP_AFTER_NANOS - age;
    }
    if (now - part.lookedUpAtNanos < LOOKUP_AFTER_NANOS) {
      return LOOKUP_AFTER_NANOS - (now - part.lookedUpAtNanos);
    }
    part.lookedUpAtNanos = now;
    try {
      var decided = DecisionLookup.of(sequencer, part.txId, age >= PREPARE_LIMIT_NANOS);
      if (decided != null) {
        LOG.debug("shard {}: the part of {} never came (decision: {})", shard, part.txId, decided.getOutcome());
        order.settle(part.txId);
        metrics.held("never_prepared", now - part.knownAtNanos);
        return 0;
      }
    } catch (ShardliteException e) {
      LOG.debug("shard {}: lookup of {} failed: {}", shard, part.txId, e.getMessage());
    }
    return LOOKUP_AFTER_NANOS;
  }

  /**
   * The prepared part: its resolution goes to the shard as soon as it arrives, first in the entry
   * of the groups that follow it. Without one, the lane asks the coordinator every
   * {@link #PROBE_AFTER_NANOS} whether it still runs the transaction; when it is gone, or past the
   * hold limit, the lane resolves the part from the sequencer's decision (recording ABORT if still
   * undecided).
   */
  private long stepHeld(PartOrder.Part<PartCall> held, long now) throws InterruptedException {
    PartReply resolved;
    String end;
    if (!held.resolutions.isEmpty()) {
      boolean commit = held.resolutions.get(0).request().getCommit();
      ResolvePart resolve = ResolvePart.newBuilder().setTxId(held.txId).setCommit(commit).setEpoch(epoch).build();
      Group head = pipeline.peek();
      if (head != null && !head.lsns().isDone()) {
        // Writes wait behind the part: their LSNs are on the way, and one entry can carry both.
        try {
          head.lsns().get(LSN_WAIT_NANOS, TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
          // the resolution goes alone
        }
      }
      proposeEntry(resolve); // settles the part when the shard confirms its resolution
      if (order.held() != held || stopped) {
        return 0;
      }
      resolved = resolveOnShard(held.txId, commit, 0);
      end = "resolved";
    } else {
      CoordinatorWait wait = awaitCoordinator(held, now);
      if (wait.nanos() > 0) {
        return wait.nanos();
      }
      resolved = resolveOnShard(held.txId, decisionOf(held, wait.gone()), 0);
      end = wait.end();
    }
    finishHeld(held, resolved, end);
    return 0;
  }

  /** A part is placed: ends the wait for the stack to drain, if the lane was in one. */
  private void drained(long now) {
    if (drainingSinceNanos != 0) {
      metrics.lanePhase("drain", now - drainingSinceNanos);
      drainingSinceNanos = 0;
    }
  }

  /** The stacked speculative part of {@code txId}, or null. */
  private Spec stacked(String txId) {
    for (Spec spec : stack) {
      if (spec.part.txId.equals(txId)) {
        return spec;
      }
    }
    return null;
  }

  /**
   * Whether the part can be prepared now: nothing is stacked, or it may go on top (read-only parts
   * never: they read the shard's committed state; nor once the stack has been open too long).
   */
  private boolean canPlace(PartOrder.Part<PartCall> part) {
    return stack.isEmpty() || (!part.prepare.request().getReadOnly() && roomOnStack(0));
  }

  /**
   * Whether {@code placing} more parts fit on a non-empty stack, or on an empty one after the first:
   * not when it is full, not while reads wait for it, and not once it has been open for the stack
   * limit (the backstop that bounds how long the shard's file lags when no read says so).
   */
  private boolean roomOnStack(int placing) {
    if (stack.isEmpty() && placing == 0) {
      return true;
    }
    return stack.size() + placing < maxSpeculative
        && (stack.isEmpty() || (!readsWaiting && System.nanoTime() - stackOpenedAtNanos < stackOpenLimitNanos));
  }

  /** Why {@code part} waits for the stack to drain (a label of {@code shardlite_vm_stack_drains_total}). */
  private String drainCause(PartOrder.Part<PartCall> part) {
    if (part.prepare.request().getReadOnly()) {
      return "read_only_part";
    }
    if (stack.size() >= maxSpeculative) {
      return "full";
    }
    return readsWaiting ? "reads" : "limit";
  }

  /**
   * The stacked parts whose resolutions can go to the shard now, in order: the commits of the
   * lowest unresolved parts, bottom up (the shard keeps its committed parts at the bottom: a part
   * above is committed there only after those below, even when the sequencer decided it first),
   * and any abort, which ends the list (it rolls back what is above it).
   */
  private List<Spec> resolutionsReady() {
    List<Spec> ready = new ArrayList<>();
    boolean unresolvedBelow = false;
    for (Spec spec : stack) {
      if (spec.committed) {
        continue;
      }
      if (!spec.part.resolutions.isEmpty()) {
        boolean commit = spec.part.resolutions.get(0).request().getCommit();
        if (!commit || !unresolvedBelow) {
          ready.add(spec);
          if (!commit) {
            break;
          }
          continue;
        }
      }
      unresolvedBelow = true;
    }
    return ready;
  }

  /**
   * The lowest stacked part waits for its resolution as a held part does: its
   * coordinator is asked whether it still runs, and the sequencer's decision resolves the part
   * when the coordinator is gone or past the hold limit. Returns how long the lane may wait (0:
   * it resolved the part).
   */
  private long awaitStack(long now) throws InterruptedException {
    Spec bottom = stack.peekFirst();
    CoordinatorWait wait = awaitCoordinator(bottom.part, now);
    if (wait.nanos() > 0) {
      return wait.nanos();
    }
    resolveSpec(bottom, decisionOf(bottom.part, wait.gone()), wait.end());
    return 0;
  }

  /** How long to keep waiting for a prepared part's resolution (0: resolve it now), and whether its coordinator is gone. */
  private record CoordinatorWait(long nanos, boolean gone) {
    String end() {
      return gone ? "coordinator_gone" : "sequencer";
    }
  }

  /**
   * A prepared part without a resolution: its coordinator is asked every {@link #PROBE_AFTER_NANOS}
   * whether it still runs the transaction; the part must be resolved from the sequencer's
   * decision once it does not, or past the hold limit.
   */
  private CoordinatorWait awaitCoordinator(PartOrder.Part<PartCall> part, long now) {
    long left = part.preparedAtNanos + HOLD_LIMIT_NANOS - now;
    boolean gone = false;
    if (left > 0 && now - part.preparedAtNanos >= PROBE_AFTER_NANOS && now - part.lookedUpAtNanos >= PROBE_AFTER_NANOS) {
      part.lookedUpAtNanos = now;
      gone = probe.gone(part.prepare.request().getCoordinator(), part.txId);
    }
    if (left > 0 && !gone) {
      long probeIn = PROBE_AFTER_NANOS - (now - Math.max(part.preparedAtNanos, part.lookedUpAtNanos));
      return new CoordinatorWait(Math.max(1, Math.min(left, Math.min(IDLE_WAIT_NANOS, probeIn))), false);
    }
    return new CoordinatorWait(0, gone);
  }

  /** The sequencer's decision for a prepared part whose coordinator went silent (ABORT recorded if undecided). */
  private boolean decisionOf(PartOrder.Part<PartCall> part, boolean gone) {
    boolean commit = decisionOf(part.txId);
    LOG.info("shard {}: resolving {} from the sequencer's decision ({}): {}", shard, part.txId,
        gone ? "its coordinator is gone" : "hold limit", commit ? "commit" : "abort");
    return commit;
  }

  /** Sends a stacked part's resolution: first in the entry of the groups that can go now, else alone. */
  private void resolveSpec(Spec spec, boolean commit, String end) throws InterruptedException {
    ResolvePart resolve = ResolvePart.newBuilder().setTxId(spec.part.txId).setCommit(commit).setEpoch(epoch).build();
    if (proposeEntry(resolve, end) == null && !stopped) {
      specResolved(spec, commit, resolveOnShard(spec.part.txId, commit, 0), end);
    }
  }

  /**
   * The shard answered a stacked part's resolution. A commit releases the answers of every part
   * now committed from the bottom up; an abort rolled back the part and everything above it on
   * the shard, so their answers fail retryably (nothing of them stays) and the parts above are
   * settled (they depend on it: the sequencer aborts them). A failed resolution stops the lane: its
   * successor resolves the part from the sequencer's decision.
   */
  private void specResolved(Spec spec, boolean commit, PartReply resolved, String end) {
    spec.part.resolutions.forEach(c -> c.reply().complete(resolved));
    spec.part.resolutions.clear();
    if (resolved.hasError()) {
      stopUnlessSettled(spec.part.txId, "resolve", resolved);
      return;
    }
    metrics.held(end, System.nanoTime() - spec.part.preparedAtNanos);
    if (commit) {
      spec.committed = true;
      while (!stack.isEmpty() && stack.peekFirst().committed) {
        Spec done = stack.pollFirst();
        order.settle(done.part.txId);
        done.waiting.forEach(d -> d.answer().run());
        done.waiting.clear();
      }
      return;
    }
    if (!stack.contains(spec)) {
      return;
    }
    ExecuteReply rolledBack = Errors.unavailable("rolled back on shard " + shard + ": multi-shard transaction "
        + spec.part.txId + " below it aborted; nothing of it was kept, retry");
    while (!stack.isEmpty()) {
      Spec top = stack.pollLast();
      order.settle(top.part.txId);
      top.waiting.forEach(d -> d.fail().accept(rolledBack));
      if (top == spec) {
        break;
      }
      metrics.speculative("rolled_back");
      // It depends on the aborted part: the sequencer aborts it too (an abort needs nothing here).
      top.part.resolutions.forEach(c -> c.reply().complete(c.request().getCommit()
          ? partError(Errors.reply(ErrorCode.UNKNOWN_TRANSACTION, "the part of " + top.part.txId + " on shard " + shard
              + " was rolled back", false)) : PartReply.getDefaultInstance()));
    }
  }

  /**
   * Gives an answer now, or once every stacked part below it is decided COMMIT. The decision, not
   * the resolution's entry, is what the answer waits for: from then on nothing below it can roll
   * it back, and reads of the shard wait for the open tail anyway (the shard answers them
   * in-doubt until the resolutions apply), so no read misses an answered write.
   */
  private void deliver(Runnable answer, Consumer<ExecuteReply> fail) {
    Spec top = stack.peekLast();
    if (top == null || stack.stream().allMatch(Spec::decided)) {
      answer.run();
    } else {
      long heldAt = System.nanoTime();
      top.waiting.add(new Deferred(() -> {
        metrics.lanePhase("answer_held", System.nanoTime() - heldAt);
        answer.run();
      }, fail));
    }
  }

  /** Runs the held answers of the parts decided COMMIT from the bottom of the stack up. */
  private void answerDecided() {
    for (Spec s : stack) {
      if (!s.decided()) {
        return;
      }
      s.waiting.forEach(d -> d.answer().run());
      s.waiting.clear();
    }
  }

  /** For answers whose outcome the next owner settles (it resolves the parts below them). */
  private ExecuteReply outcomeUnknown() {
    return Errors.reply(ErrorCode.TIMEOUT, "shard " + shard + " is moving to another owner (" + stopReason
        + ") before the multi-shard parts below this transaction were resolved; retrying with the same idempotency"
        + " key is safe", true);
  }

  /** The held part is resolved (or its resolution failed): answers the coordinator's calls, frees the shard. */
  private void finishHeld(PartOrder.Part<PartCall> held, PartReply resolved, String end) {
    held.resolutions.forEach(c -> c.reply().complete(resolved));
    metrics.held(end, System.nanoTime() - held.preparedAtNanos);
    order.settle(held.txId);
    stopUnlessSettled(held.txId, "resolve", resolved);
  }

  /**
   * Prepares a part on the shard, after the groups given (below it in LSN order: they go in the
   * same entry, before it) or alone; the part is then held until resolved.
   */
  private void prepare(PartOrder.Part<PartCall> part, WriteGroupResponse withGroups) {
    if (part.prepare.request().getReadOnly()) {
      readInPlace(part);
      return;
    }
    PartReply reply;
    if (withGroups == null) {
      reply = prepareOnShard(partBatch(part.prepare.request()));
    } else if (withGroups.hasError()) {
      reply = withGroups.getError().getCode() == ErrorCode.STALE_EPOCH ? partError(fenced())
          : PartReply.newBuilder().setError(withGroups.getError()).build();
    } else if (!withGroups.hasPrepared()) {
      reply = partError(Errors.reply(ErrorCode.INTERNAL, "shard " + shard + " did not answer the prepare of "
          + part.txId, false));
    } else {
      reply = fencedOrPart(withGroups.getPrepared());
    }
    if (reply.hasError()) {
      part.prepare.reply().complete(reply); // a vote to abort needs nothing below it
      order.settle(part.txId);
      if (Errors.retryable(reply.getError())) {
        stopUnlessSettled(part.txId, "prepare", reply); // unknown outcome: the part may be prepared
      }
      return;
    }
    if (maxSpeculative == 0) {
      part.prepare.reply().complete(reply);
      order.prepared(part, System.nanoTime());
      return;
    }
    // On the stack: its vote goes out at once and names the nearest unresolved part below it,
    // whose abort would roll it back; the sequencer commits it only after that one commits, and
    // aborts it with it (Decide.depends_on). Naming the nearest is enough: that part's own commit
    // waited for the one below it, and so on down the stack, so a commit here implies every part
    // below committed, and an abort anywhere below aborts everything above it. Naming all of
    // them made decisions grow with the stack (up to --speculative-parts ids each, logged and
    // looked up on every sequencer replica).
    order.placedSpeculative(part, System.nanoTime());
    String nearest = null;
    for (var it = stack.descendingIterator(); it.hasNext() && nearest == null; ) {
      Spec spec = it.next();
      if (!spec.committed) {
        nearest = spec.part.txId;
      }
    }
    part.prepare.reply().complete(nearest == null ? reply : reply.toBuilder().addDependsOn(nearest).build());
    if (stack.isEmpty()) {
      stackOpenedAtNanos = System.nanoTime();
      readsWaiting = false; // the reads that waited were served when the stack last emptied
    }
    metrics.speculative(stack.isEmpty() ? "bottom" : "stacked");
    stack.addLast(new Spec(part));
  }

  /**
   * A read-only part: everything below its LSN is on the shard and nothing above it goes there
   * until this returns, so a linearizable read now sees the shard exactly at the transaction's
   * place in the global order (one consistent cut over its shards). Nothing is prepared or held:
   * no Raft entry, and the shard's later writes do not wait for the coordinator's decision.
   */
  private void readInPlace(PartOrder.Part<PartCall> part) {
    PartRequest q = part.prepare.request();
    metrics.readPart("read_index");
    ShardResult r = onShard(client -> client.readAsync(shard, Consistency.LINEARIZABLE, 0, q.getStatementsList()),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    order.placed(part.lsn);
    order.settle(part.txId);
    part.prepare.reply().complete(toPart(r));
  }

  /**
   * A sole read whose prepare came after the lane placed a later LSN: read where the lane is, by a
   * linearizable read of the shard's leader, without waiting for it. The shard has applied every
   * entry the lane proposed (one at a time, each answered before the next), and its linearizable
   * reads wait for any unresolved part, so the read sees the shard at the lane's place or later,
   * never below the read's LSN, never an undecided part. Rare (a prepare the lane's own writes
   * overtook); a failure is retryable (the router reads again at a new LSN).
   */
  private void readLate(PartCall call) {
    metrics.readPart("late");
    List<ShardNodeClient> servers = directory.serversOf(shard);
    if (servers.isEmpty()) {
      call.reply().complete(partError(Errors.unavailable("no shard server is known to host shard " + shard)));
      return;
    }
    io.shardlite.common.concurrent.Completions.of(servers.get(0).readAsync(shard, Consistency.LINEARIZABLE, 0,
        call.request().getStatementsList())).whenComplete((r, e) -> call.reply().complete(e == null ? toPart(r)
            : partError(Errors.unavailable("the read of shard " + shard + " failed: " + e.getMessage()))));
  }

  /**
   * Proposes the oldest group and the sequenced groups right behind it as ONE shard entry, all
   * below the lowest part not placed yet, with a resolution of the held part first when given,
   * and that next part's prepare last when it comes right after them. Answers every group; a
   * resolution the shard confirms settles the held part; a prepared part becomes the held one.
   * Returns null (proposing nothing) when no group can go now.
   */
  private WriteGroupResponse proposeEntry(ResolvePart resolveFirst) throws InterruptedException {
    return proposeEntry(resolveFirst, "resolved");
  }

  /**
   * {@link #proposeEntry(ResolvePart)}; {@code end} names how a stacked part's resolution was
   * decided (metrics). With speculative parts the resolution is accounted first: the groups'
   * answers then wait for the parts still below them, and the prepared part goes on the stack.
   */
  private WriteGroupResponse proposeEntry(ResolvePart resolveFirst, String end) throws InterruptedException {
    List<Group> groups = new ArrayList<>();
    List<List<WriteBatch>> writes = new ArrayList<>();
    int txs = 0;
    long bytes = 0;
    long now = System.nanoTime();
    for (Group g = pipeline.peek(); g != null && g.sequenced(); g = pipeline.peek()) {
      learnPredecessors(now);
      PartOrder.Part<PartCall> next = order.first();
      long bound = next == null ? Long.MAX_VALUE : next.lsn;
      boolean fits = groups.isEmpty() ? g.firstLsn() < bound
          : g.lastLsn() < bound && budget.fits(txs, bytes, g.batch().size(), g.bytes());
      if (!fits) {
        break;
      }
      pipeline.poll();
      List<WriteBatch> w = awaitWrites(g); // sequenced: does not wait
      if (w == null) {
        break;
      }
      groups.add(g);
      writes.add(w);
      txs += g.batch().size();
      bytes += g.bytes();
    }
    if (groups.isEmpty()) {
      return null;
    }
    long lastLsn = groups.get(groups.size() - 1).lastLsn();
    PartOrder.Part<PartCall> next = order.first();
    PreparePart prepareLast = null;
    if (next != null && next.lsn > lastLsn && PartOrder.follows(next, lastLsn)
        && !next.prepare.request().getReadOnly() && canPlace(next)) {
      WriteBatch part = partBatch(next.prepare.request());
      if (budget.fits(txs, bytes, 1, partBytes(part))) {
        prepareLast = preparePart(part);
      }
    }
    List<WriteBatch> all = new ArrayList<>();
    writes.forEach(all::addAll);
    long proposing = System.nanoTime();
    long deadline = entryDeadline(groups.stream(), resolveFirst != null || prepareLast != null, proposing);
    lastEntryItems = all.size() + (resolveFirst != null ? 1 : 0) + (prepareLast != null ? 1 : 0);
    WriteGroupResponse response = propose(all, deadline, resolveFirst, prepareLast);
    order.placed(lastLsn);
    metrics.proposedEntry(all.size());
    if (response.hasError() && Errors.retryable(response.getError()) && (resolveFirst != null || prepareLast != null)) {
      // The entry's outcome is unknown, and with it whether a part is prepared: the successor
      // lane settles that from the shard and the sequencer.
      stop("an entry with a multi-shard part has no confirmed outcome: " + response.getError().getMessage());
    }
    Spec resolvedSpec = resolveFirst == null ? null : stacked(resolveFirst.getTxId());
    if (resolvedSpec != null && !stopped) {
      specResolved(resolvedSpec, resolveFirst.getCommit(), response.hasError()
          ? PartReply.newBuilder().setError(response.getError()).build() : toPart(response.getResolved()), end);
    }
    PartOrder.Part<PartCall> held = order.held();
    if (resolveFirst != null && held != null && !response.hasError() && response.hasResolved()) {
      ShardResult r = response.getResolved();
      if (!(r.hasError() && Errors.retryable(r.getError()))) {
        finishHeld(held, toPart(r), "resolved");
      }
    }
    int offset = 0;
    for (int g = 0; g < groups.size(); g++) {
      int n = writes.get(g).size();
      answer(groups.get(g), writes.get(g), slice(response, offset, n), proposing);
      offset += n;
    }
    if (prepareLast != null) {
      if (order.held() == null) {
        prepare(next, response);
      } else {
        // The resolution before it is not settled: the shard refused the part (PART_IN_DOUBT).
        refuse(next, "an earlier part is not resolved");
      }
    }
    return response;
  }

  /**
   * How long to keep proposing an entry: its latest group's deadline, and at least 10 s when it
   * carries multi-shard steps (a part must not be left in doubt for a client's short deadline).
   */
  private static long entryDeadline(java.util.stream.Stream<Group> groups, boolean carriesParts, long nowNanos) {
    long deadline = groups.mapToLong(Group::deadlineNanos).max().orElse(nowNanos);
    return carriesParts ? Math.max(deadline, nowNanos + TimeUnit.SECONDS.toNanos(10)) : deadline;
  }

  /**
   * What a speculative lane put in one entry, in order: a resolution, a group of writes, a part's
   * prepare or a read-only part.
   */
  private sealed interface Placed permits PlacedResolution, PlacedGroup, PlacedPart, PlacedRead {}

  private record PlacedResolution(Spec spec, boolean commit) implements Placed {}

  private record PlacedGroup(Group group, List<WriteBatch> writes) implements Placed {}

  private record PlacedPart(PartOrder.Part<PartCall> part) implements Placed {}

  private record PlacedRead(PartOrder.Part<PartCall> part) implements Placed {}

  /**
   * A speculative lane's entry (a write group of items): first the resolutions that can go now
   * (commits from the bottom of the stack up, or an abort, which rolls back what is above it),
   * then the sequenced groups and the parts whose prepares arrived, in LSN order, as far as the
   * entry budget and the stack allow. So one entry settles and places several parts. A read-only
   * part goes in as a read at its place (the shard answers it from the entry, so the writes after
   * it need not wait for a read of their own), when no part below it is unresolved. {@code first}
   * is a part the lane found next on the shard (placed even when its predecessor is unknown here,
   * as a lone prepare would be), or null. Returns false when nothing could go.
   */
  private boolean proposeItems(PartOrder.Part<PartCall> first) throws InterruptedException {
    List<Placed> placed = new ArrayList<>();
    List<GroupItem> items = new ArrayList<>();
    for (Spec spec : resolutionsReady()) {
      boolean commit = spec.part.resolutions.get(0).request().getCommit();
      placed.add(new PlacedResolution(spec, commit));
      items.add(GroupItem.newBuilder().setResolve(ResolvePart.newBuilder().setTxId(spec.part.txId)
          .setCommit(commit).setEpoch(epoch)).build());
    }
    int resolutions = items.size();
    int txs = 0;
    long bytes = 0;
    int parts = 0;
    int reads = 0;
    long last = order.placedLsn();
    long now = System.nanoTime();
    while (true) {
      learnPredecessors(now);
      PartOrder.Part<PartCall> next = order.first();
      long bound = next == null ? Long.MAX_VALUE : next.lsn;
      boolean nothingYet = items.size() == resolutions;
      Group g = pipeline.peek();
      if (g != null && g.sequenced() && (nothingYet ? g.firstLsn() < bound
          : g.lastLsn() < bound && budget.fits(txs, bytes, g.batch().size(), g.bytes()))) {
        pipeline.poll();
        List<WriteBatch> w = awaitWrites(g); // sequenced: does not wait
        if (w == null) {
          break;
        }
        placed.add(new PlacedGroup(g, w));
        w.forEach(b -> items.add(GroupItem.newBuilder().setBatch(b).build()));
        txs += g.batch().size();
        bytes += g.bytes();
        last = g.lastLsn();
        continue;
      }
      if (next == null || next.prepare == null || next.lsn <= last
          || !(next == first || PartOrder.follows(next, last))) {
        break;
      }
      if (next.prepare.request().getReadOnly()) {
        // Read at its place: nothing below it may be unresolved (a read never sees undecided parts).
        if (!stack.isEmpty() || parts > 0) {
          break;
        }
        WriteBatch read = partBatch(next.prepare.request());
        if (!nothingYet && !budget.fits(txs, bytes, 1, partBytes(read))) {
          break;
        }
        order.placed(next.lsn); // placed, and nothing of it stays on the shard (as readInPlace)
        order.settle(next.txId);
        drained(now);
        metrics.readPart("entry");
        placed.add(new PlacedRead(next));
        items.add(GroupItem.newBuilder().setRead(ReadPart.newBuilder().setBatch(read)).build());
        txs++;
        bytes += partBytes(read);
        reads++;
        last = next.lsn;
        continue;
      }
      if (!roomOnStack(parts)) {
        break;
      }
      WriteBatch part = partBatch(next.prepare.request());
      if (!nothingYet && !budget.fits(txs, bytes, 1, partBytes(part))) {
        break;
      }
      order.placedSpeculative(next, now); // the next part comes into view
      drained(now);
      placed.add(new PlacedPart(next));
      items.add(GroupItem.newBuilder().setPrepare(preparePart(part)).build());
      txs++;
      bytes += partBytes(part);
      parts++;
      last = next.lsn;
    }
    if (items.isEmpty()) {
      return false;
    }
    long proposing = System.nanoTime();
    long deadline = entryDeadline(placed.stream().filter(PlacedGroup.class::isInstance)
        .map(p -> ((PlacedGroup) p).group()), parts + resolutions + reads > 0, proposing);
    lastEntryItems = items.size();
    WriteGroupResponse response = propose(client -> client.writeItemsAsync(shard, items), deadline);
    order.placed(last);
    metrics.proposedEntry(items.size() - resolutions - parts - reads);
    if (response.hasError() && Errors.retryable(response.getError()) && parts + resolutions > 0) {
      stop("an entry with multi-shard parts has no confirmed outcome: " + response.getError().getMessage());
    }
    int at = 0;
    for (Placed p : placed) {
      if (p instanceof PlacedResolution r) {
        if (!stopped) {
          specResolved(r.spec(), r.commit(), response.hasError() ? PartReply.newBuilder().setError(response.getError())
              .build() : toPart(response.getItemResults(at)), "resolved");
        }
        at++;
      } else if (p instanceof PlacedGroup pg) {
        int n = pg.writes().size();
        answer(pg.group(), pg.writes(), response.hasError() ? response : WriteGroupResponse.newBuilder()
            .addAllResults(response.getItemResultsList().subList(at, at + n)).build(), proposing);
        at += n;
      } else if (p instanceof PlacedPart pp) {
        prepare(pp.part(), response.hasError() ? response
            : WriteGroupResponse.newBuilder().setPrepared(response.getItemResults(at)).build());
        at++;
      } else if (p instanceof PlacedRead pr) {
        // A read changes nothing, so an entry without an outcome leaves nothing to settle: it fails
        // (retryably when fenced: a newer owner reads the shard now, as for a fenced write).
        pr.part().prepare.reply().complete(fencedOrPart(response.hasError()
            ? ShardResult.newBuilder().setError(response.getError()).build() : response.getItemResults(at)));
        at++;
      }
    }
    return true;
  }

  /**
   * Raises the shard's epoch to ours and resolves leftovers; returns the shard's last applied LSN
   * then, or null if a newer owner claimed it (or the lane stopped).
   */
  private Long claim() throws InterruptedException {
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    while (!stopped) {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      String problem = "no shard server hosts shard " + shard + " yet";
      if (!servers.isEmpty()) {
        try {
          ShardResult claimed = servers.get(0).claim(shard, epoch, vmId);
          if (!claimed.hasError()) {
            resolveLeftovers(claimed.getPreparedTxIdsList());
            return claimed.getGlobalLsn();
          }
          if (claimed.getError().getCode() == ErrorCode.STALE_EPOCH) {
            stop("epoch " + epoch + " is stale: " + claimed.getError().getMessage());
            return null;
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
    return null;
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

  /** Groups the writes at the head of what was taken and asks for their LSNs, while the pipeline has room. */
  private void sequenceTakenWork() {
    while (pipeline.size() < pipelineDepth && !taken.isEmpty()) {
      List<Work> batch = new ArrayList<>();
      long bytes = 0;
      for (Work w = taken.peek(); w != null && budget.fits(batch.size(), bytes, 1, w.bytes()); w = taken.peek()) {
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
    CompletableFuture<AssignLsnsReply> assigned = lsns.get().assign(txs);
    assigned.whenComplete((r, e) -> lsnsAt.set(System.nanoTime()));
    pipeline.add(new Group(List.copyOf(batch), bytes, deadline, now, assigned, lsnsAt, new AtomicBoolean()));
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
      // Applied on top of any stacked part (even an error may come from a part's rows): answered
      // once they commit, failed retryably if one aborts.
      CompletableFuture<ExecuteReply> future = batch.get(i).reply();
      ExecuteReply answer = reply.build();
      deliver(() -> future.complete(answer), future::complete);
    }
    metrics.committed(shard, batch.size(), System.nanoTime() - group.startNanos());
  }

  /**
   * Proposes the group until the shard group answers or the deadline passes. Repeating is safe:
   * the shard answers a transaction id it already applied with the recorded outcome.
   */
  private WriteGroupResponse propose(List<WriteBatch> writes, long deadlineNanos, ResolvePart resolveFirst,
      PreparePart prepareLast) throws InterruptedException {
    return propose(client -> client.writeGroupAsync(shard, writes, resolveFirst, prepareLast), deadlineNanos);
  }

  /** Proposes one entry (built by {@code send}) until the shard group answers or the deadline passes. */
  private WriteGroupResponse propose(Function<ShardNodeClient, ListenableFuture<WriteGroupResponse>> send,
      long deadlineNanos) throws InterruptedException {
    if (gapCounted) {
      metrics.lanePhase("pause", System.nanoTime() - lastProposedNanos);
    }
    String last = "no shard server hosts shard " + shard;
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    while (System.nanoTime() - deadlineNanos < 0) {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      if (!servers.isEmpty()) {
        try {
          WriteGroupResponse response = awaitUnlessMoved(send.apply(servers.get(0)), servers.get(0), deadlineNanos);
          if (response == null) {
            last = "the shard's leader changed while the entry waited on another server";
            continue; // resend at once to the server that leads now
          }
          lastProposedNanos = System.nanoTime();
          gapCounted = false;
          pacingJudged = false;
          Error error = response.hasError() ? response.getError() : null;
          if (error == null || !Errors.retryable(error)) {
            readsWaiting |= response.getReadsWaiting();
            shardCpuPercent = response.getCpuPercent();
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

  private static long partBytes(WriteBatch part) {
    return part.getSerializedSize() + EntryBudget.TX_OVERHEAD_BYTES;
  }

  private WriteBatch partBatch(PartRequest request) {
    return WriteBatch.newBuilder().setTxId(request.getTxId()).setGlobalLsn(request.getGlobalLsn())
        .setEpoch(epoch).setTimestampMillis(request.getTimestampMillis()).setRandomSeed(request.getRandomSeed())
        .addAllStatements(request.getStatementsList()).build();
  }

  private PartReply prepareOnShard(WriteBatch part) {
    PreparePart prepare = preparePart(part);
    return fencedOrPart(onShard(client -> client.prepareAsync(shard, prepare),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
  }

  /** The part as this lane prepares it: speculative when parts may stack. */
  private PreparePart preparePart(WriteBatch part) {
    return PreparePart.newBuilder().setBatch(part).setSpeculative(maxSpeculative > 0).build();
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
    return toPart(onShard(client -> client.resolveAsync(shard, txId, commit, epoch), deadline));
  }

  private static PartReply toPart(ShardResult r) {
    return r.hasError() ? PartReply.newBuilder().setError(r.getError()).build()
        : PartReply.newBuilder().addAllResults(r.getResultsList()).build();
  }

  /** The recorded decision (true = commit); records ABORT first when the transaction is undecided. */
  private boolean decisionOf(String txId) {
    try {
      return DecisionLookup.of(sequencer, txId, true).getOutcome() == Outcome.COMMIT;
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

  /**
   * Runs a call against the shard's servers (leader first), retrying retryable errors and
   * transport failures (every call here is safe to repeat) until the deadline.
   */
  private ShardResult onShard(Function<ShardNodeClient, ListenableFuture<ShardResult>> call, long deadlineNanos) {
    String last = "no shard server hosts shard " + shard;
    long backoff = TimeUnit.MILLISECONDS.toNanos(20);
    do {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      if (!servers.isEmpty()) {
        try {
          ShardResult r = awaitUnlessMoved(call.apply(servers.get(0)), servers.get(0), deadlineNanos);
          if (r == null) {
            continue; // the leader moved: resend at once to the server that leads now
          }
          if (!r.hasError() || !Errors.retryable(r.getError())) {
            return r;
          }
          last = r.getError().getMessage();
        } catch (ExecutionException e) {
          last = String.valueOf(e.getCause());
        } catch (TimeoutException e) {
          last = "no answer from the shard server";
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          last = "interrupted";
          break;
        }
      }
      directory.refresh();
      LockSupport.parkNanos(backoff);
      backoff = Math.min(backoff * 2, TimeUnit.MILLISECONDS.toNanos(500));
    } while (System.nanoTime() - deadlineNanos < 0);
    return ShardResult.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.TIMEOUT).setRetryable(true)
        .setStatementIndex(-1).setMessage("shard " + shard + " did not answer within the deadline: " + last)).build();
  }

  /**
   * Waits for one call to a shard server until the deadline. Each {@link #MOVED_CHECK_NANOS}
   * without an answer, the directory is refreshed in the background (an answer meanwhile is taken
   * at once). A call held by a server that does not lead the shard (sent during an election, say)
   * waits on that server's forwarding, which a failover can hold for seconds: the server forwards
   * through an ordered Raft client, where a write retrying through the failover holds back every
   * later one (CI saw ~7 s). So the call is cancelled and null returned, for the caller to send it
   * again to the server that comes first, once another server comes first (it leads now), or once
   * the target itself leads when it did not as the call left (a new call there is appended
   * directly, without the forwarding client). Every call a lane makes is safe to repeat: the
   * shard answers a transaction id it applied with its recorded outcome. A call to a server that
   * led when it was sent and still comes first keeps waiting: it is just slow, and a resend would
   * only queue the same work behind it.
   */
  private <T> T awaitUnlessMoved(ListenableFuture<T> call, ShardNodeClient target, long deadlineNanos)
      throws InterruptedException, ExecutionException, TimeoutException {
    boolean sentToLeader = directory.leaderOf(shard) == target;
    CompletableFuture<Void> looked = null; // a directory refresh in flight, while the call may still answer
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      long wait = looked == null ? MOVED_CHECK_NANOS : TimeUnit.MILLISECONDS.toNanos(20);
      try {
        return call.get(Math.max(1, Math.min(left, wait)), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        if (deadlineNanos - System.nanoTime() <= 0) {
          call.cancel(true);
          throw e;
        }
        if (looked == null) {
          looked = directory.refreshInBackground();
          continue;
        }
        if (!looked.isDone()) {
          continue;
        }
        looked = null;
        List<ShardNodeClient> now = directory.serversOf(shard);
        boolean moved = !now.isEmpty() && now.get(0) != target;
        if (moved || (!sentToLeader && directory.leaderOf(shard) == target)) {
          call.cancel(true);
          metrics.resentToMovedLeader();
          LOG.info("shard {}: a call went unanswered for over {} ms on a server that {}; resending it to the shard's"
              + " leader", shard, TimeUnit.NANOSECONDS.toMillis(MOVED_CHECK_NANOS),
              moved ? "no longer comes first for the shard" : "did not lead the shard when the call left and leads it now");
          return null;
        }
      }
    }
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
      } else if (item instanceof PartCall c) {
        c.reply().complete(partError(moving()));
      }
    }
  }
}
