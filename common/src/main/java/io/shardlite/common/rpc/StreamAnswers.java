package io.shardlite.common.rpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The server side of a {@link CallStream}: answers each request on the stream as soon as its reply
 * is ready, with the request's call id. The stream ends once the client ended its side and every
 * request is answered. A cancelled stream's answers go nowhere (the work still finishes; callers
 * learn outcomes the way they would after a unary call cut off in flight).
 */
public final class StreamAnswers {
  private StreamAnswers() {}

  /**
   * @param answer the reply to one request; it should never fail (errors are replies). If it does,
   *     the stream ends with INTERNAL, which fails every call still unanswered on it.
   */
  public static <Q, R> StreamObserver<Q> serve(StreamObserver<R> replies, Function<Q, CompletableFuture<R>> answer,
      ToLongFunction<Q> callIdOf, BiFunction<R, Long, R> withCallId) {
    ServerCallStreamObserver<R> out = (ServerCallStreamObserver<R>) replies;
    return new StreamObserver<>() {
      // All guarded by out, which also serializes the sends (a stream observer is not thread-safe).
      private int unanswered;
      private boolean inputDone;
      private boolean finished;

      @Override
      public void onNext(Q request) {
        synchronized (out) {
          unanswered++;
        }
        long callId = callIdOf.applyAsLong(request);
        CompletableFuture<R> reply;
        try {
          reply = answer.apply(request);
        } catch (RuntimeException e) {
          reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((r, e) -> {
          synchronized (out) {
            unanswered--;
            if (finished || out.isCancelled()) {
              return;
            }
            if (e != null) {
              finished = true;
              out.onError(Status.INTERNAL.withDescription("no reply for call " + callId + ": " + e).asRuntimeException());
              return;
            }
            out.onNext(withCallId.apply(r, callId));
            finishIfDone();
          }
        });
      }

      @Override
      public void onError(Throwable t) {
        synchronized (out) {
          finished = true;
        }
      }

      @Override
      public void onCompleted() {
        synchronized (out) {
          inputDone = true;
          finishIfDone();
        }
      }

      private void finishIfDone() {
        if (inputDone && unanswered == 0 && !finished) {
          finished = true;
          out.onCompleted();
        }
      }
    };
  }
}
