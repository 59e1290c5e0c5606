package io.shardlite.common.sequencer;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.shardlite.common.concurrent.Completions;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.rpc.CallStream;
import io.shardlite.proto.Decide;
import io.shardlite.proto.DecideReply;
import io.shardlite.proto.DrainVm;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GetDecisionReply;
import io.shardlite.proto.GetDecisionRequest;
import io.shardlite.proto.Heartbeat;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.RegisterVm;
import io.shardlite.proto.SequencerGrpc;
import io.shardlite.proto.VmReply;
import io.shardlite.proto.WatchOwnershipRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A virtual master's client of the sequencer group. It talks to the leader and follows it: a
 * retryable error (not the leader, no leader yet, replica down) moves it to the next replica and
 * repeats the call until the deadline. Errors come back as {@link ShardliteException}s.
 *
 * <p>Only calls whose repetition is harmless are repeated: register and heartbeat refresh a lease,
 * a decision is first-wins (a repeat returns the recorded decision, with {@code won == false}, so
 * compare outcomes rather than trusting {@code won}), LSN requests carry request ids.
 */
public final class SequencerClient implements AutoCloseable {
  /**
   * LSN calls a virtual master keeps in flight on its stream at most. Every unanswered request
   * carries at least one, so a sequencer that keeps this many replies per virtual master (its
   * default {@code --replies-per-vm}) can answer whatever a failover resends from its cache.
   */
  public static final int VM_LSN_CALLS_IN_FLIGHT = 1024;

  private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /**
   * Decisions share a few streams per replica: a multi-shard transaction's unary Decide call (an
   * HTTP/2 stream each way) was a visible part of what it cost the virtual master and the sequencer.
   */
  private static final int DECIDE_STREAMS = 4;

  private final SequencerEndpoints endpoints;
  private final Duration deadline;
  /** Each replica's decision streams (index as in {@link #endpoints}). */
  private final List<CallStream<Decide, DecideReply>> decideStreams = new java.util.ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sequencer-client");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param endpoints gRPC addresses (host:port) of the sequencer replicas
   * @param deadline how long one call keeps trying before it fails with TIMEOUT
   */
  public SequencerClient(List<String> endpoints, Duration deadline) {
    this.endpoints = new SequencerEndpoints(endpoints);
    this.deadline = deadline;
    for (int i = 0; i < this.endpoints.size(); i++) {
      ManagedChannel channel = this.endpoints.channel(i);
      // Decisions are delivered on the event loop that read them (see CallStream's class comment).
      decideStreams.add(new CallStream<>(DECIDE_STREAMS,
          SequencerGrpc.newStub(channel).withExecutor(MoreExecutors.directExecutor())::decideStream,
          (request, callId) -> request.toBuilder().setCallId(callId).build(), DecideReply::getCallId,
          (request, timeoutNanos) -> SequencerGrpc.newFutureStub(channel)
              .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS).decide(request)));
    }
  }

  public VmReply register(String vmId, String address, Duration lease) {
    RegisterVm request = RegisterVm.newBuilder().setVmId(vmId).setAddress(address)
        .setLeaseMillis(lease.toMillis()).build();
    return call((stub, r) -> stub.register(r), request, VmReply::getError, VmReply::hasError);
  }

  public VmReply heartbeat(String vmId) {
    return call((stub, r) -> stub.heartbeat(r), Heartbeat.newBuilder().setVmId(vmId).build(),
        VmReply::getError, VmReply::hasError);
  }

  public VmReply drain(String vmId) {
    return call((stub, r) -> stub.drain(r), DrainVm.newBuilder().setVmId(vmId).build(),
        VmReply::getError, VmReply::hasError);
  }

  /** Records a decision (first wins); returns the recorded one. */
  public DecideReply decide(String txId, Outcome outcome, long lsn) {
    return decide(txId, outcome, lsn, java.util.List.of());
  }

  /**
   * Records the decision of a transaction prepared on top of others ({@code dependsOn}): a COMMIT
   * is recorded once they all committed (the call waits until then) and becomes an ABORT if one aborts.
   */
  public DecideReply decide(String txId, Outcome outcome, long lsn, java.util.Collection<String> dependsOn) {
    return Completions.join(decideAsync(txId, outcome, lsn, dependsOn));
  }

  /** {@link #decide(String, Outcome, long, java.util.Collection)} without a waiting thread. */
  public CompletableFuture<DecideReply> decideAsync(String txId, Outcome outcome, long lsn,
      java.util.Collection<String> dependsOn) {
    Decide request = Decide.newBuilder().setTxId(txId).setOutcome(outcome).setLsn(lsn).addAllDependsOn(dependsOn).build();
    return callAsync((endpoint, timeoutNanos) -> decideStreams.get(endpoint).call(request, timeoutNanos),
        DecideReply::getError, DecideReply::hasError);
  }

  /** What the sequencer knows of a transaction (a linearizable read on the leader). */
  public GetDecisionReply getDecision(String txId) {
    return call((stub, r) -> stub.getDecision(r), GetDecisionRequest.newBuilder().setTxId(txId).build(),
        GetDecisionReply::getError, GetDecisionReply::hasError);
  }

  /**
   * Opens this virtual master's pipelined LSN stream.
   *
   * @param requestIdPrefix unique per stream incarnation (e.g. vm id plus a random suffix):
   *     request ids are the prefix plus a counter
   * @param maxInFlight requests in flight at most; keep it below the sequencer's replies per
   *     virtual master so that every unanswered request can still be answered from its cache
   */
  public LsnStream openLsnStream(String vmId, String requestIdPrefix, int maxInFlight) {
    return openLsnStream(vmId, requestIdPrefix, maxInFlight, 0, 1);
  }

  /**
   * Like {@link #openLsnStream(String, String, int)}, coalescing: once {@code wireLimit} requests
   * are unanswered, later calls leave together as one request (0 = every call is its own request)
   * of at most {@code maxCoalescedTxs} transactions (keep it within the sequencer's
   * {@code --max-batch-txs}; a single larger call still goes alone).
   */
  public LsnStream openLsnStream(String vmId, String requestIdPrefix, int maxInFlight, int wireLimit,
      int maxCoalescedTxs) {
    return new LsnStream(endpoints, scheduler, vmId, requestIdPrefix, maxInFlight, deadline, wireLimit,
        maxCoalescedTxs);
  }

  /**
   * Streams the ownership table, then its changes (and decisions if asked), to {@code sink}, from
   * any replica; after a failure it reconnects and starts again with a full table. Close the
   * result to stop.
   */
  public AutoCloseable watchOwnership(boolean includeDecisions, Consumer<OwnershipUpdate> sink) {
    OwnershipWatch watch = new OwnershipWatch(endpoints, scheduler, includeDecisions, sink);
    watch.connect();
    return watch;
  }

  private <Q, R> R call(BiFunction<SequencerGrpc.SequencerFutureStub, Q, ListenableFuture<R>> method, Q request,
      Function<R, Error> errorOf, Function<R, Boolean> hasError) {
    return Completions.join(callAsync(method, request, errorOf, hasError));
  }

  /**
   * Calls the replica believed to lead; on UNAVAILABLE (a reply or the transport) moves to the
   * next one and repeats after a backoff, until the deadline (TIMEOUT). Other typed errors fail the
   * future with their {@link ShardliteException}. No thread waits: repeats run on the scheduler.
   */
  private <Q, R> CompletableFuture<R> callAsync(BiFunction<SequencerGrpc.SequencerFutureStub, Q, ListenableFuture<R>> method,
      Q request, Function<R, Error> errorOf, Function<R, Boolean> hasError) {
    return callAsync((endpoint, timeoutNanos) -> Completions.of(method.apply(SequencerGrpc.newFutureStub(
        endpoints.channel(endpoint)).withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS), request)), errorOf, hasError);
  }

  /** Like the unary one, with {@code send} making one attempt on an endpoint (by index) within a timeout. */
  private <R> CompletableFuture<R> callAsync(BiFunction<Integer, Long, CompletableFuture<R>> send,
      Function<R, Error> errorOf, Function<R, Boolean> hasError) {
    CompletableFuture<R> result = new CompletableFuture<>();
    attempt(send, errorOf, hasError, System.nanoTime() + deadline.toNanos(), MIN_BACKOFF_NANOS, "no attempt", result);
    return result;
  }

  private <R> void attempt(BiFunction<Integer, Long, CompletableFuture<R>> send, Function<R, Error> errorOf,
      Function<R, Boolean> hasError, long end, long backoff, String last, CompletableFuture<R> result) {
    int endpoint = endpoints.current();
    long left = end - System.nanoTime();
    if (left <= 0) {
      result.completeExceptionally(new ShardliteException(ErrorCode.TIMEOUT,
          "sequencer call did not succeed within " + deadline.toMillis() + " ms; last: " + last, true, -1, null));
      return;
    }
    CompletableFuture<R> call;
    try {
      call = send.apply(endpoint, Math.min(left, TimeUnit.SECONDS.toNanos(5)));
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    call.whenComplete((reply, error) -> {
      String failure;
      if (error != null) {
        if (!(Completions.cause(error) instanceof StatusRuntimeException s)) {
          result.completeExceptionally(Completions.cause(error));
          return;
        }
        failure = endpoints.address(endpoint) + ": " + s.getStatus();
      } else if (!hasError.apply(reply)) {
        result.complete(reply);
        return;
      } else {
        Error e = errorOf.apply(reply);
        if (e.getCode() != ErrorCode.UNAVAILABLE) {
          result.completeExceptionally(ShardliteException.fromProto(e));
          return;
        }
        failure = endpoints.address(endpoint) + ": " + e.getMessage();
      }
      endpoints.next(endpoint);
      String lastFailure = failure;
      try {
        scheduler.schedule(() -> attempt(send, errorOf, hasError, end, Math.min(MAX_BACKOFF_NANOS, backoff * 2),
            lastFailure, result), Math.min(backoff, Math.max(0, end - System.nanoTime())), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        result.completeExceptionally(new ShardliteException(ErrorCode.UNAVAILABLE, "sequencer client closed"));
      }
    });
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    decideStreams.forEach(CallStream::close);
    endpoints.close();
  }

  /** The watch stream, reconnecting after failures. */
  private static final class OwnershipWatch implements AutoCloseable {
    private final SequencerEndpoints endpoints;
    private final ScheduledExecutorService scheduler;
    private final boolean includeDecisions;
    private final Consumer<OwnershipUpdate> sink;
    private volatile boolean closed;
    private volatile io.grpc.Context.CancellableContext call;

    OwnershipWatch(SequencerEndpoints endpoints, ScheduledExecutorService scheduler, boolean includeDecisions,
        Consumer<OwnershipUpdate> sink) {
      this.endpoints = endpoints;
      this.scheduler = scheduler;
      this.includeDecisions = includeDecisions;
      this.sink = sink;
    }

    void connect() {
      if (closed) {
        return;
      }
      int endpoint = endpoints.current();
      io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
      call = context;
      context.run(() -> SequencerGrpc.newStub(endpoints.channel(endpoint)).watchOwnership(
          WatchOwnershipRequest.newBuilder().setIncludeDecisions(includeDecisions).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(OwnershipUpdate update) {
              sink.accept(update);
            }

            @Override
            public void onError(Throwable t) {
              retry(endpoint);
            }

            @Override
            public void onCompleted() {
              retry(endpoint);
            }
          }));
    }

    private void retry(int failed) {
      if (!closed) {
        endpoints.next(failed);
        try {
          scheduler.schedule(this::connect, 200, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // The client is closing.
        }
      }
    }

    @Override
    public void close() {
      closed = true;
      io.grpc.Context.CancellableContext c = call;
      if (c != null) {
        c.cancel(null);
      }
    }
  }
}
