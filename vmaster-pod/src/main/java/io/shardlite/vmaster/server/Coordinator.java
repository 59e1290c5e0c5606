package io.shardlite.vmaster.server;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.shardlite.common.client.TransactionIds;
import io.shardlite.common.concurrent.Completions;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.rpc.CallStream;
import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.DecideReply;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.PartCall;
import io.shardlite.proto.PartReply;
import io.shardlite.proto.PartRequest;
import io.shardlite.proto.ParticipantGrpc;
import io.shardlite.proto.ShardOwner;
import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.Statement;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one multi-shard transaction (atomic, in the global order):
 *
 * <ol>
 *   <li>get the transaction's global LSN: the sequencer links it into every participant shard's
 *       chain (its predecessor there, named when multi-shard), and names it as the multi-shard
 *       predecessor of whatever comes next on those shards;
 *   <li>each participant lane prepares its part durably in its shard group (checked, results
 *       computed) at that place in its order: after the lane's writes below the LSN, before those
 *       above it, which wait for the resolution; lanes never wait for each other, only for parts
 *       below their next write, so no cycle can form;
 *   <li>record COMMIT (all prepared) or ABORT in the sequencer: the first decision wins, so a lane
 *       that gave up on a silent coordinator and recorded ABORT wins over a late COMMIT;
 *   <li>resolve every part (retried against whoever owns the shard now), then answer.
 * </ol>
 * Read-only multi-shard transactions get an LSN the same way; each lane answers its part with a
 * linearizable read at that LSN's place in its shard's order and holds nothing, so the results are
 * one consistent cut; the transaction is then aborted in the sequencer, off the answer's path.
 */
final class Coordinator {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  /** The statements of one shard, with their indexes in the transaction. */
  record Part(List<Integer> indexes, List<Statement> statements) {}

  private final String vmId;
  private final OwnershipView view;
  private final Lanes lanes;
  private final SequencerClient sequencer;
  private final Function<String, ManagedChannel> channels;
  /** Runs what blocks (a retry's look-ups in the sequencer); nothing else waits on a thread. */
  private final Executor executor;
  /** Schedules the backoffs between repeated part calls. */
  private final ScheduledExecutorService timer;
  private final VmMetrics metrics;

  /** The transactions this coordinator is running (participant lanes ask: {@link #running}). */
  private final java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Answered transactions whose parts this coordinator is still resolving (still running for the lanes). */
  private final java.util.Set<String> resolving = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * Streams per other virtual master for prepares and resolves. A unary call per part (an HTTP/2
   * stream each, on both virtual masters) was the largest cost a multi-shard transaction added in
   * the virtual masters; each stream delivers its replies on one thread at a time, hence a few.
   */
  private static final int PART_STREAMS = 4;
  private final Map<String, CallStream<PartRequest, PartReply>> partStreams = new java.util.concurrent.ConcurrentHashMap<>();
  /** This virtual master's address, which prepares carry so participant lanes can ask it. */
  private final Supplier<String> address;

  Coordinator(String vmId, OwnershipView view, Lanes lanes, SequencerClient sequencer,
      Function<String, ManagedChannel> channels, Executor executor, ScheduledExecutorService timer, VmMetrics metrics,
      Supplier<String> address) {
    this.address = address;
    this.executor = executor;
    this.timer = timer;
    this.metrics = metrics;
    this.vmId = vmId;
    this.view = view;
    this.lanes = lanes;
    this.sequencer = sequencer;
    this.channels = channels;
  }

  /** Whether {@code txId} is being coordinated here right now. */
  boolean running(String txId) {
    return running.contains(txId) || resolving.contains(txId);
  }

  /**
   * Runs the transaction without a thread waiting for it: each step starts when the previous
   * one's replies arrive, on the thread that delivered them (a lane, a gRPC executor). Only a
   * retry's look-up of its earlier attempts, which blocks on the sequencer, runs on the executor.
   * The future never fails: errors are answers.
   */
  CompletableFuture<ExecuteReply> run(String key, boolean firstAttempt, SortedMap<Integer, Part> parts,
      int statementCount, boolean readOnly, long deadline) {
    CompletableFuture<ExecuteReply> result;
    if (readOnly) {
      // Reads change nothing: every attempt is a new transaction.
      result = tracked(key + "/read-" + TransactionIds.next(), parts, statementCount, true, deadline);
    } else if (firstAttempt) {
      // Nothing to look for; if the key was used after all, sequencing it fails and the decision
      // of that earlier use answers (see afterLsnFailure).
      result = tracked(key, parts, statementCount, false, deadline);
    } else {
      result = CompletableFuture.supplyAsync(() -> nextAttempt(key), executor).thenCompose(attempt -> {
        if (attempt.committedLsn() > 0) {
          // Its parts may still wait for their resolution (its coordinator died after the decision):
          // push it, so reads that follow this answer do not wait for a lane's hold limit.
          return release(attempt.txId(), new ArrayList<>(parts.keySet()), true, deadline).thenApply(ignored ->
              ExecuteReply.newBuilder().setGlobalLsn(attempt.committedLsn()).setReplayed(true).build());
        }
        return tracked(attempt.txId(), parts, statementCount, false, deadline);
      });
    }
    return result.exceptionally(Errors::reply);
  }

  /** Coordinates {@code txId}, counted as running here until its answer (then, if any, its resolutions). */
  private CompletableFuture<ExecuteReply> tracked(String txId, SortedMap<Integer, Part> parts, int statementCount,
      boolean readOnly, long deadline) {
    running.add(txId);
    CompletableFuture<ExecuteReply> answer;
    try {
      answer = coordinate(txId, parts, statementCount, readOnly, deadline);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answer.whenComplete((r, e) -> running.remove(txId));
  }

  private CompletableFuture<ExecuteReply> coordinate(String txId, SortedMap<Integer, Part> parts, int statementCount,
      boolean readOnly, long deadline) {
    List<Integer> participants = new ArrayList<>(parts.keySet());
    long start = System.nanoTime();
    CompletableFuture<AssignLsnsReply> assigned = lanes.stream()
        .assign(List.of(TxRequest.newBuilder().setTxId(txId).addAllShards(parts.keySet()).build()), executor)
        .copy().orTimeout(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    return assigned.handle((reply, error) -> {
      if (error != null) {
        Throwable cause = Completions.cause(error);
        // Looks the transaction up in the sequencer (blocking calls): off the delivering thread.
        return CompletableFuture.supplyAsync(() -> afterLsnFailure(txId, participants, cause, deadline), executor);
      }
      return prepareAll(txId, reply.getTxs(0), parts, statementCount, readOnly, deadline, phase("lsn", start));
    }).thenCompose(next -> next);
  }

  /** Sends every participant its part at the transaction's LSN, then decides on their votes. */
  private CompletableFuture<ExecuteReply> prepareAll(String txId, TxLsn sequenced, SortedMap<Integer, Part> parts,
      int statementCount, boolean readOnly, long deadline, long phaseStart) {
    long lsn = sequenced.getLsn();
    Map<Integer, ShardPrev> prevs = new java.util.HashMap<>();
    sequenced.getPrevList().forEach(p -> prevs.put(p.getShard(), p));
    long time = System.currentTimeMillis();
    long seed = ThreadLocalRandom.current().nextLong();
    Map<Integer, CompletableFuture<PartReply>> prepares = new LinkedHashMap<>();
    parts.forEach((shard, part) -> {
      ShardPrev prev = prevs.getOrDefault(shard, ShardPrev.getDefaultInstance());
      prepares.put(shard, call(PartRequest.newBuilder().setCall(PartCall.PART_PREPARE).setShard(shard)
          .setTxId(txId).setGlobalLsn(lsn).setTimestampMillis(time).setRandomSeed(seed ^ shard)
          .setPrevLsn(prev.getPrevLsn()).setPrevMultiTxId(prev.getPrevMultiTxId()).setCoordinator(address.get())
          .setReadOnly(readOnly).setSoleRead(readOnly && parts.size() == 1)
          .addAllStatements(part.statements()).build(), deadline));
    });
    return CompletableFuture.allOf(prepares.values().toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
      Map<Integer, PartReply> prepared = new LinkedHashMap<>();
      prepares.forEach((shard, reply) -> prepared.put(shard, reply.join()));
      return decide(txId, lsn, parts, prepared, statementCount, readOnly, deadline, phase("prepare", phaseStart));
    });
  }

  /** Records the outcome in the sequencer, answers, and resolves the parts off the answer's path. */
  private CompletableFuture<ExecuteReply> decide(String txId, long lsn, SortedMap<Integer, Part> parts,
      Map<Integer, PartReply> prepared, int statementCount, boolean readOnly, long deadline, long phaseStart) {
    Error failure = null;
    int failedShard = -1;
    for (Map.Entry<Integer, PartReply> e : prepared.entrySet()) {
      if (e.getValue().hasError()) {
        failure = e.getValue().getError();
        failedShard = e.getKey();
        break;
      }
    }
    if (readOnly) {
      // Each lane read at the transaction's place and kept nothing prepared: nothing to resolve.
      // ABORT clears it from the sequencer's undecided ones, off the answer's path (a one-shard
      // read was sequenced as a single-shard transaction: never undecided there).
      if (parts.size() > 1) {
        sequencer.decideAsync(txId, Outcome.ABORT, lsn, List.of()).whenComplete((r, e) -> {
          if (e != null) {
            LOG.debug("abort of read-only {} not recorded (the sequencer expires it): {}", txId, e.toString());
          }
        });
      }
      return CompletableFuture.completedFuture(failure != null
          ? mappedFailure(parts, failedShard, voteFailure(txId, failure, true))
          : results(parts, prepared, statementCount, 0));
    }
    Outcome wanted = failure == null ? Outcome.COMMIT : Outcome.ABORT;
    // Speculative parts were prepared on top of others: the commit depends on them.
    java.util.Set<String> dependsOn = new java.util.TreeSet<>();
    prepared.values().forEach(r -> dependsOn.addAll(r.getDependsOnList()));
    Error vote = failure;
    int voteShard = failedShard;
    List<Integer> participants = new ArrayList<>(parts.keySet());
    return sequencer.decideAsync(txId, wanted, lsn, dependsOn).handle((decided, error) -> {
      if (error != null) {
        // The outcome is unknown to us; the lanes learn it from the sequencer (or abort it there).
        Throwable cause = Completions.cause(error);
        LOG.warn("decision of {} not recorded: {}", txId, cause.getMessage());
        return ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.TIMEOUT).setRetryable(false)
            .setStatementIndex(-1).setMessage("the decision of multi-shard transaction " + txId
                + " could not be recorded; look it up before retrying: " + cause.getMessage())).build();
      }
      boolean commit = decided.getDecision().getOutcome() == Outcome.COMMIT;
      releaseAfterAnswer(txId, participants, commit, deadline, phase("decide", phaseStart));
      if (vote != null) {
        return mappedFailure(parts, voteShard, voteFailure(txId, vote, !commit));
      }
      if (!commit) {
        return ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.TIMEOUT).setRetryable(true)
            .setStatementIndex(-1).setMessage("multi-shard transaction " + txId
                + " was aborted (a participant gave up waiting); nothing was changed")).build();
      }
      return results(parts, prepared, statementCount, lsn);
    });
  }

  /**
   * The answer's error for a participant's failed vote. A part the shard refused because it had
   * applied a later LSN already (OUT_OF_ORDER_LSN: in a failover, later work reached the shard
   * first) is no fault of the transaction's: once it is aborted nothing changed, and a retry (a new
   * attempt at a new LSN) is safe, so the answer says so, as a lane's own refusal to place a part
   * does. Every other vote (SQL errors, constraints, ...) is the answer as it came.
   */
  static Error voteFailure(String txId, Error vote, boolean aborted) {
    if (!aborted || vote.getCode() != ErrorCode.OUT_OF_ORDER_LSN) {
      return vote;
    }
    return vote.toBuilder().setCode(ErrorCode.UNAVAILABLE).setRetryable(true).setMessage("multi-shard transaction "
        + txId + " was aborted and nothing was changed: a part could not be placed (" + vote.getMessage() + "); retry")
        .build();
  }

  /** A participant's error, its statement index mapped to the transaction's. */
  private static ExecuteReply mappedFailure(SortedMap<Integer, Part> parts, int failedShard, Error failure) {
    Part part = parts.get(failedShard);
    Error.Builder mapped = failure.toBuilder();
    if (failure.getStatementIndex() >= 0 && failure.getStatementIndex() < part.indexes().size()) {
      mapped.setStatementIndex(part.indexes().get(failure.getStatementIndex()));
    }
    return ExecuteReply.newBuilder().setError(mapped).build();
  }

  /** The participants' results in the transaction's statement order ({@code lsn} 0 for reads). */
  private static ExecuteReply results(SortedMap<Integer, Part> parts, Map<Integer, PartReply> prepared,
      int statementCount, long lsn) {
    StatementResult[] results = new StatementResult[statementCount];
    parts.forEach((shard, part) -> {
      List<StatementResult> got = prepared.get(shard).getResultsList();
      for (int i = 0; i < part.indexes().size() && i < got.size(); i++) {
        if (results[part.indexes().get(i)] == null) {
          results[part.indexes().get(i)] = got.get(i);
        }
      }
    });
    ExecuteReply.Builder reply = ExecuteReply.newBuilder().setShard(parts.firstKey());
    for (StatementResult r : results) {
      reply.addResults(r == null ? StatementResult.getDefaultInstance() : r);
    }
    if (lsn > 0) {
      reply.setGlobalLsn(lsn);
    }
    return reply.build();
  }

  /** Records the phase that started at {@code startNanos} and returns when the next one starts. */
  private long phase(String name, long startNanos) {
    long now = System.nanoTime();
    metrics.multiPhase(name, now - startNanos);
    return now;
  }

  /** The sequencer id for a new attempt, or the LSN of an earlier attempt that committed. */
  record Attempt(String txId, long committedLsn) {}

  /**
   * Attempts of one transaction (same idempotency key) are {@code key}, {@code key#2}, ... in the
   * sequencer, so an attempt that aborted (a part could not be placed, a participant moved) does not
   * burn the key, and one that committed is never applied twice: earlier attempts are looked up
   * first; an undecided one is aborted (first decision wins) unless it committed meanwhile.
   */
  private Attempt nextAttempt(String key) {
    for (int n = 1; ; n++) {
      String id = n == 1 ? key : key + "#" + n;
      var known = sequencer.getDecision(id);
      switch (known.getState()) {
        case TX_DECIDED:
          if (known.getDecision().getOutcome() == Outcome.COMMIT) {
            return new Attempt(id, known.getLsn());
          }
          break;
        case TX_UNDECIDED:
          DecideReply d = sequencer.decide(id, Outcome.ABORT, known.getLsn());
          if (d.getDecision().getOutcome() == Outcome.COMMIT) {
            return new Attempt(id, d.getDecision().getLsn());
          }
          break;
        default:
          return new Attempt(id, 0);
      }
    }
  }

  /**
   * No LSN: a retry of a transaction sequenced before answers from its recorded decision; one
   * sequenced now whose answer was lost is aborted at once (its lanes would otherwise wait for its
   * parts until the hold limit).
   */
  private ExecuteReply afterLsnFailure(String txId, List<Integer> participants, Throwable cause, long deadline) {
    try {
      var decided = DecisionLookup.of(sequencer, txId, true);
      boolean commit = decided.getOutcome() == Outcome.COMMIT;
      release(txId, participants, commit, deadline).join();
      return commit ? ExecuteReply.newBuilder().setGlobalLsn(decided.getLsn()).setReplayed(true).build()
          : Errors.unavailable("no global LSN for multi-shard transaction " + txId + " (" + cause
              + "); it is aborted, nothing was changed; retry");
    } catch (ShardliteException e) {
      LOG.debug("decision lookup of {} failed: {}", txId, e.getMessage());
    }
    return Errors.unavailable("no global LSN for multi-shard transaction " + txId + ": " + cause);
  }

  /**
   * Resolves the parts off the answer's path. The decision is recorded, so the outcome no longer
   * depends on the resolutions (a lane whose coordinator is gone resolves from the sequencer's
   * decision), and the shards answer reads in-doubt while a part is open, so no read after the
   * answer misses the transaction. Until the resolutions are done the transaction still counts as
   * running here, so its lanes wait for them rather than look the decision up.
   */
  private void releaseAfterAnswer(String txId, List<Integer> shards, boolean commit, long deadline, long startNanos) {
    resolving.add(txId);
    release(txId, shards, commit, deadline).whenComplete((r, e) -> {
      resolving.remove(txId);
      phase("resolve", startNanos);
    });
  }

  /**
   * Resolves every participant's part (commit or abort), retrying until each owner confirms or the
   * time is up. Answering after an unconfirmed resolution is still safe: a prepared part blocks
   * its shard's writes and linearizable reads until someone resolves it (its lane, or the next
   * owner from the sequencer's decision), so nothing can observe the transaction half-applied.
   */
  private CompletableFuture<Void> release(String txId, List<Integer> shards, boolean commit, long deadline) {
    long end = Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    List<CompletableFuture<PartReply>> done = new ArrayList<>();
    for (int shard : shards) {
      done.add(call(PartRequest.newBuilder().setCall(PartCall.PART_RESOLVE).setShard(shard).setTxId(txId)
          .setCommit(commit).build(), end));
    }
    return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
  }

  /**
   * Calls the shard's owner (this virtual master's lane or another's), retrying retryable errors
   * (ownership moving) until the deadline, except prepare, which votes once. Backoffs wait on the
   * timer, not on a thread.
   */
  private CompletableFuture<PartReply> call(PartRequest request, long deadline) {
    CompletableFuture<PartReply> result = new CompletableFuture<>();
    attempt(request, deadline, TimeUnit.MILLISECONDS.toNanos(10), result);
    return result;
  }

  private void attempt(PartRequest request, long deadline, long backoff, CompletableFuture<PartReply> result) {
    once(request, deadline).whenComplete((r, e) -> {
      PartReply reply = e != null ? unavailable(ParticipantService.name(request) + " on shard " + request.getShard()
          + " failed: " + e) : r;
      boolean again = reply.hasError() && Errors.retryable(reply.getError())
          && request.getCall() != PartCall.PART_PREPARE
          && deadline - System.nanoTime() > backoff;
      if (!again) {
        result.complete(reply);
        return;
      }
      try {
        timer.schedule(() -> attempt(request, deadline, Math.min(backoff * 2, TimeUnit.MILLISECONDS.toNanos(500)),
            result), backoff, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopped) {
        result.complete(reply); // shutting down: the lanes resolve from the decision
      }
    });
  }

  private CompletableFuture<PartReply> once(PartRequest request, long deadline) {
    String op = ParticipantService.name(request);
    ShardOwner owner = view.owner(request.getShard()).orElse(null);
    if (owner == null) {
      return CompletableFuture.completedFuture(unavailable("shard " + request.getShard() + " has no owner right now"));
    }
    long wait = Math.max(1, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1);
    if (owner.getOwner().equals(vmId)) {
      return ParticipantService.onLane(lanes, request).copy().completeOnTimeout(
          unavailable(op + " on shard " + request.getShard() + " did not complete in time"), wait, TimeUnit.NANOSECONDS);
    }
    String address = view.address(owner.getOwner()).orElse("");
    if (address.isEmpty()) {
      return CompletableFuture.completedFuture(unavailable("no address known for virtual master " + owner.getOwner()));
    }
    return partStreams(address).call(request, wait).exceptionally(failure -> {
      // Resolving again is idempotent, and a prepare votes once anyway.
      Throwable e = Completions.cause(failure);
      return e instanceof StatusRuntimeException s
          ? PartReply.newBuilder().setError(ShardNodeClient.repeatableCallError(s)).build()
          : unavailable(op + " on shard " + request.getShard() + " failed: " + e);
    });
  }

  /** The part streams to the virtual master at {@code address} (unary calls if it has none). */
  private CallStream<PartRequest, PartReply> partStreams(String address) {
    return partStreams.computeIfAbsent(address, a -> {
      ManagedChannel channel = channels.apply(a);
      // Votes are delivered on the event loop that read them (see CallStream's class comment).
      return new CallStream<>(PART_STREAMS,
          ParticipantGrpc.newStub(channel).withExecutor(MoreExecutors.directExecutor())::partStream,
          (request, callId) -> request.toBuilder().setCallId(callId).build(), PartReply::getCallId,
          (request, timeoutNanos) -> {
            var stub = ParticipantGrpc.newFutureStub(channel).withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
            return request.getCall() == PartCall.PART_PREPARE ? stub.prepare(request) : stub.resolve(request);
          });
    });
  }

  private static PartReply unavailable(String message) {
    return PartReply.newBuilder().setError(Errors.unavailable(message).getError()).build();
  }
}
