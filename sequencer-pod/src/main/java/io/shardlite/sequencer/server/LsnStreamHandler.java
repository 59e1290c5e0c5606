package io.shardlite.sequencer.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.SequencerReply;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtual master's pipelined LSN stream: every request goes to Raft as it arrives (many in
 * flight, grouped with other requests by {@link CommandBatcher}), replies leave in request order.
 *
 * <p>Once a request fails because this replica cannot serve (not the leader, stepping down), every
 * later request on the stream is answered with that same error and the stream then ends with
 * UNAVAILABLE: the client resends everything unanswered, in order, elsewhere. So a stream never
 * gets LSNs out of its request order across a failover.
 */
final class LsnStreamHandler implements StreamObserver<AssignLsns> {
  private static final Logger LOG = LoggerFactory.getLogger(LsnStreamHandler.class);
  private record Pending(long startNanos, CompletableFuture<SequencerReply> reply) {}

  private final Function<AssignLsns, CompletableFuture<SequencerReply>> assigner;
  private final ServerCallStreamObserver<AssignLsnsReply> out;
  private final SequencerMetrics metrics;
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
  private Error broken;
  private boolean inputDone;
  private boolean finished;

  /** @param assigner sequences one request (the server passes {@link CommandBatcher#assign}) */
  LsnStreamHandler(Function<AssignLsns, CompletableFuture<SequencerReply>> assigner,
      ServerCallStreamObserver<AssignLsnsReply> out, SequencerMetrics metrics) {
    this.assigner = assigner;
    this.out = out;
    this.metrics = metrics;
    out.setOnCancelHandler(this::cancelled);
  }

  @Override
  public void onNext(AssignLsns request) {
    long start = System.nanoTime();
    Error brokenBefore;
    synchronized (this) {
      if (finished) {
        return;
      }
      brokenBefore = broken;
    }
    // Submitted without holding this stream's lock: the assigner may complete other streams'
    // replies on this thread, and their drains take their own locks (two streams each holding its
    // lock while completing the other's reply deadlocked). gRPC calls onNext of one stream one at a
    // time, so the stream's requests still reach the assigner in order. A request that slips in
    // after the stream broke is sequenced but its reply withheld (drain), like any in flight then.
    CompletableFuture<SequencerReply> reply = (brokenBefore != null
        ? CompletableFuture.completedFuture(SequencerReply.newBuilder().setError(brokenBefore).build())
        : assigner.apply(request).exceptionally(LsnStreamHandler::failed))
        .thenApply(r -> withRequestId(r, request.getRequestId()));
    synchronized (this) {
      if (finished) {
        return;
      }
      inFlight.add(new Pending(start, reply));
    }
    // Drain after the queued future itself is done (a callback on the future it derives from could
    // run first, see the head unfinished, and leave the reply waiting for the next one).
    reply.whenComplete((r, e) -> drain());
  }

  /** Sends the completed replies at the head of the queue, in request order. */
  private synchronized void drain() {
    while (!finished && !inFlight.isEmpty() && inFlight.peek().reply().isDone()) {
      Pending head = inFlight.poll();
      SequencerReply reply = head.reply().join();
      AssignLsnsReply assigned = reply.getAssigned();
      if (broken != null && !(assigned.hasError() && assigned.getError().equals(broken))) {
        // After a failure of this replica, later replies are withheld so order stays intact.
        assigned = assigned.toBuilder().clearTxs().setError(broken).build();
      } else if (assigned.hasError() && assigned.getError().getCode() == ErrorCode.UNAVAILABLE) {
        broken = assigned.getError();
      }
      out.onNext(assigned);
      metrics.request("LsnStream", head.startNanos());
    }
    if (finished || !inFlight.isEmpty()) {
      return;
    }
    if (broken != null) {
      finished = true;
      out.onError(Status.UNAVAILABLE.withDescription(broken.getMessage()).asRuntimeException());
    } else if (inputDone) {
      finished = true;
      out.onCompleted();
    }
  }

  /** A request that failed inside this replica is answered with a retryable error, never dropped. */
  private static SequencerReply failed(Throwable e) {
    LOG.warn("an LSN request failed inside the sequencer", e);
    return SequencerReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).setRetryable(true)
        .setMessage("the sequencer could not serve the request: " + e)).build();
  }

  /** A transport-level failure carries no request id: fill it in from the request. */
  private static SequencerReply withRequestId(SequencerReply reply, String requestId) {
    if (reply.hasAssigned()) {
      return reply;
    }
    Error error = reply.hasError() ? reply.getError()
        : Error.newBuilder().setCode(ErrorCode.INTERNAL).setMessage("unexpected reply " + reply.getBodyCase()).build();
    return SequencerReply.newBuilder()
        .setAssigned(AssignLsnsReply.newBuilder().setRequestId(requestId).setError(error)).build();
  }

  @Override
  public synchronized void onError(Throwable t) {
    finished = true;
    inFlight.clear();
  }

  @Override
  public void onCompleted() {
    synchronized (this) {
      inputDone = true;
    }
    drain();
  }

  private synchronized void cancelled() {
    finished = true;
    inFlight.clear();
  }
}
