package io.shardlite.vmaster.server;

import io.grpc.stub.StreamObserver;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.VirtualMasterGrpc;
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
    long timeout = request.getTimeoutMillis() > 0 ? request.getTimeoutMillis() : defaultTimeoutMillis;
    router.execute(request)
        // A last guard: whatever happens inside, the caller hears back shortly after its deadline.
        .orTimeout(timeout + 2_000, TimeUnit.MILLISECONDS)
        .whenComplete((reply, error) -> {
          out.onNext(error == null ? reply : Errors.reply(io.shardlite.proto.ErrorCode.TIMEOUT,
              "no outcome within the deadline; retrying with the same idempotency key is safe", true));
          out.onCompleted();
        });
  }
}
