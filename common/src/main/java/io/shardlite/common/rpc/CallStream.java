package io.shardlite.common.rpc;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.shardlite.common.concurrent.Completions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;

/**
 * Many calls of one kind to one server over a few long-lived bidirectional gRPC streams: each
 * request carries a call id that its reply repeats, so replies may come back in any order. A unary
 * call costs an HTTP/2 stream (headers both ways, trailers, a call object on each side) per call;
 * on a busy 2-core machine that per-call cost was the largest part of what a client, or a virtual
 * master calling another, spent per transaction.
 *
 * <p>Calls are spread over the streams in turn: one stream delivers its replies on one thread at a
 * time, and the callers' continuations run there: on the stub's executor. The virtual masters give
 * their streams (to the sequencer, to each other) a direct one, so replies complete on the event
 * loop that read them and continuations must not block; the client library keeps gRPC's pool unless
 * its caller says its continuations never block, since they are application code. When a stream breaks, every call still
 * unanswered on it fails with the stream's status (its outcome is unknown to the caller, exactly
 * as for a unary call cut off in flight), and the next call on that slot opens a new stream. A
 * server that answers the stream with UNIMPLEMENTED (an older version) gets unary calls from then
 * on; such a call never ran. A call with no reply in time fails with DEADLINE_EXCEEDED, as a
 * unary call with that deadline would.
 */
public final class CallStream<Q, R> {
  /** Opens one stream: the async stub's streaming method. */
  @FunctionalInterface
  public interface Opener<Q, R> {
    StreamObserver<Q> open(StreamObserver<R> replies);
  }

  /** The same call as a unary RPC with a deadline, for servers without the stream. */
  @FunctionalInterface
  public interface Unary<Q, R> {
    ListenableFuture<R> call(Q request, long timeoutNanos);
  }

  private final Opener<Q, R> opener;
  private final BiFunction<Q, Long, Q> withCallId;
  private final ToLongFunction<R> callIdOf;
  private final Unary<Q, R> unary;
  private final Slot[] slots;
  private final AtomicInteger nextSlot = new AtomicInteger();
  private final AtomicLong lastCallId = new AtomicLong();
  private volatile boolean unaryOnly;

  /**
   * @param streams how many streams to spread calls over (at least one)
   * @param withCallId the request with the given call id set
   * @param callIdOf the call id a reply repeats
   */
  public CallStream(int streams, Opener<Q, R> opener, BiFunction<Q, Long, Q> withCallId, ToLongFunction<R> callIdOf,
      Unary<Q, R> unary) {
    if (streams < 1) {
      throw new IllegalArgumentException("streams must be at least 1, got " + streams);
    }
    this.opener = opener;
    this.withCallId = withCallId;
    this.callIdOf = callIdOf;
    this.unary = unary;
    this.slots = new CallStream.Slot[streams];
    for (int i = 0; i < streams; i++) {
      slots[i] = new Slot();
    }
  }

  /**
   * Sends one call. The future completes with its reply or fails with a {@link StatusRuntimeException}
   * (the stream broke, or DEADLINE_EXCEEDED after {@code timeoutNanos}).
   */
  public CompletableFuture<R> call(Q request, long timeoutNanos) {
    if (unaryOnly) {
      return Completions.of(unary.call(request, timeoutNanos));
    }
    Slot slot = slots[Math.floorMod(nextSlot.getAndIncrement(), slots.length)];
    return slot.send(request).orTimeout(Math.max(1, timeoutNanos), TimeUnit.NANOSECONDS).exceptionallyCompose(e -> {
      Throwable cause = Completions.cause(e);
      if (cause instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        unaryOnly = true; // an older server: the call never ran there
        return Completions.of(unary.call(request, timeoutNanos));
      }
      if (cause instanceof TimeoutException) {
        cause = Status.DEADLINE_EXCEEDED.withDescription("no reply within "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms").asRuntimeException();
      }
      return CompletableFuture.failedFuture(cause);
    });
  }

  /** Breaks every open stream: their unanswered calls fail with CANCELLED. */
  public void close() {
    for (Slot slot : slots) {
      slot.close();
    }
  }

  /** One place for a stream: the open one, if any (the next call opens one after a break). */
  private final class Slot {
    private Incarnation current; // guarded by this

    CompletableFuture<R> send(Q request) {
      CompletableFuture<R> reply = new CompletableFuture<>();
      long callId = lastCallId.incrementAndGet();
      Incarnation stream;
      synchronized (this) {
        stream = currentOrOpened();
        stream.waiting.put(callId, reply);
        // Answered elsewhere (a timeout, a break): nothing waits for this call id any more.
        reply.whenComplete((r, e) -> stream.waiting.remove(callId));
        if (stream.failure == null) {
          try {
            stream.requests.onNext(withCallId.apply(request, callId));
          } catch (RuntimeException e) {
            stream.broken(e);
          }
        }
      }
      // A break that failed the waiting calls before this one was among them.
      StatusRuntimeException failure = stream.failure;
      if (failure != null) {
        reply.completeExceptionally(failure);
      }
      return reply;
    }

    /**
     * The open stream, or a new one (lock held). With a direct executor a stream that fails as it
     * opens (a channel that cannot connect) is broken before this returns, and no longer current.
     */
    private Incarnation currentOrOpened() {
      if (current != null) {
        return current;
      }
      Incarnation opened = new Incarnation(this);
      current = opened;
      try {
        opener.open(opened);
      } catch (RuntimeException e) {
        opened.broken(e);
      }
      return opened;
    }

    void close() {
      Incarnation open;
      synchronized (this) {
        open = current;
      }
      if (open != null) {
        open.broken(Status.CANCELLED.withDescription("closed").asRuntimeException());
      }
    }
  }

  /** One opened stream and the calls unanswered on it. */
  private final class Incarnation implements ClientResponseObserver<Q, R> {
    final Slot slot;
    final Map<Long, CompletableFuture<R>> waiting = new ConcurrentHashMap<>();
    ClientCallStreamObserver<Q> requests;
    /** Why it broke, set before its waiting calls are failed (null: open). */
    volatile StatusRuntimeException failure;

    Incarnation(Slot slot) {
      this.slot = slot;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Q> requests) {
      this.requests = requests;
    }

    @Override
    public void onNext(R reply) {
      CompletableFuture<R> caller = waiting.get(callIdOf.applyAsLong(reply));
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
      broken(Status.UNAVAILABLE.withDescription("the server ended the stream").asRuntimeException());
    }

    void broken(Throwable t) {
      synchronized (slot) {
        if (slot.current == this) {
          slot.current = null; // the next call opens a new stream
        }
      }
      StatusRuntimeException status = t instanceof StatusRuntimeException s ? s : Status.fromThrowable(t).asRuntimeException();
      if (failure == null) {
        failure = status;
      }
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
