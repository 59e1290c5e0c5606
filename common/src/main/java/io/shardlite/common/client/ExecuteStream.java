package io.shardlite.common.client;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.VirtualMasterGrpc;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's long-lived {@code ExecuteStream} to one virtual master: many transactions share it,
 * each request with a call id that its reply repeats. A unary call costs an HTTP/2 stream (headers
 * both ways, trailers) per transaction, which was the client's largest cost per transaction.
 *
 * <p>When the stream breaks, every request still unanswered on it fails with the stream's status
 * (its outcome is unknown: the caller retries it with its idempotency key), and the next request
 * opens a new stream.
 */
final class ExecuteStream {
  private final ManagedChannel channel;
  private Incarnation current; // guarded by this
  private long lastCallId; // guarded by this

  ExecuteStream(ManagedChannel channel) {
    this.channel = channel;
  }

  /** Sends one request; the future completes with its reply, or fails with a {@link StatusRuntimeException}. */
  CompletableFuture<ExecuteReply> send(ExecuteRequest request) {
    CompletableFuture<ExecuteReply> reply = new CompletableFuture<>();
    synchronized (this) {
      if (current == null) {
        current = new Incarnation();
        VirtualMasterGrpc.newStub(channel).executeStream(current);
      }
      Incarnation stream = current;
      long callId = ++lastCallId;
      stream.waiting.put(callId, reply);
      // Answered elsewhere (a timeout, a close): nothing waits for this call id any more.
      reply.whenComplete((r, e) -> stream.waiting.remove(callId));
      try {
        stream.requests.onNext(request.toBuilder().setCallId(callId).build());
      } catch (RuntimeException e) {
        stream.broken(e);
      }
    }
    return reply;
  }

  /** One opened stream and the requests unanswered on it. */
  private final class Incarnation implements ClientResponseObserver<ExecuteRequest, ExecuteReply> {
    final Map<Long, CompletableFuture<ExecuteReply>> waiting = new ConcurrentHashMap<>();
    ClientCallStreamObserver<ExecuteRequest> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<ExecuteRequest> requests) {
      this.requests = requests;
    }

    @Override
    public void onNext(ExecuteReply reply) {
      CompletableFuture<ExecuteReply> caller = waiting.get(reply.getCallId());
      if (caller != null) {
        caller.complete(reply);
      }
    }

    @Override
    public void onError(Throwable t) {
      broken(t);
    }

    @Override
    public void onCompleted() {
      broken(Status.UNAVAILABLE.withDescription("the virtual master ended the stream").asRuntimeException());
    }

    void broken(Throwable t) {
      synchronized (ExecuteStream.this) {
        if (current == this) {
          current = null; // the next request opens a new stream
        }
      }
      StatusRuntimeException status = t instanceof StatusRuntimeException s ? s : Status.fromThrowable(t).asRuntimeException();
      waiting.values().forEach(caller -> caller.completeExceptionally(status));
      if (requests != null) {
        try {
          requests.onError(status); // ends our side too, if it is still open
        } catch (RuntimeException ignored) {
          // already closed
        }
      }
    }
  }
}
