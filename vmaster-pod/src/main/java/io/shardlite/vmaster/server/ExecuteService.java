package io.shardlite.vmaster.server;

import io.grpc.stub.StreamObserver;
import io.shardlite.common.rpc.StreamAnswers;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.VirtualMasterGrpc;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The gRPC face of the {@link Router}: always answers, with results or a typed error. */
final class ExecuteService extends VirtualMasterGrpc.VirtualMasterImplBase {
  private final Router router;
  private final long defaultTimeoutMillis;

  ExecuteService(Router router, long defaultTimeoutMillis) {
    this.router = router;
    this.defaultTimeoutMillis = defaultTimeoutMillis;
  }

  @Override
  public void execute(ExecuteRequest request, StreamObserver<ExecuteReply> out) {
    answer(request).thenAccept(reply -> {
      out.onNext(reply);
      out.onCompleted();
    });
  }

  /** Answers each request on the stream as soon as it has an outcome, with the request's call id. */
  @Override
  public StreamObserver<ExecuteRequest> executeStream(StreamObserver<ExecuteReply> responses) {
    return StreamAnswers.serve(responses, this::answer, ExecuteRequest::getCallId,
        (reply, callId) -> reply.toBuilder().setCallId(callId).build());
  }

  /** The request's reply; never fails. */
  private CompletableFuture<ExecuteReply> answer(ExecuteRequest request) {
    long timeout = request.getTimeoutMillis() > 0 ? request.getTimeoutMillis() : defaultTimeoutMillis;
    CompletableFuture<ExecuteReply> result;
    try {
      result = router.execute(request);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    // A last guard: whatever happens inside, the caller hears back shortly after its deadline.
    return result.orTimeout(timeout + 2_000, TimeUnit.MILLISECONDS).handle((reply, error) -> error == null ? reply
        : Errors.reply(ErrorCode.TIMEOUT, "no outcome within the deadline; retrying with the same idempotency key is safe",
            true));
  }
}
