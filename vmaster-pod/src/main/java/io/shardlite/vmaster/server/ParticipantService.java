package io.shardlite.vmaster.server;

import io.grpc.stub.StreamObserver;
import io.shardlite.common.rpc.StreamAnswers;
import io.shardlite.proto.PartReply;
import io.shardlite.proto.PartRequest;
import io.shardlite.proto.ParticipantGrpc;
import java.util.concurrent.CompletableFuture;

/** The owner's side of multi-shard transactions, for coordinators on other virtual masters. */
final class ParticipantService extends ParticipantGrpc.ParticipantImplBase {
  private final Lanes lanes;
  private final java.util.function.Predicate<String> coordinating;

  ParticipantService(Lanes lanes, java.util.function.Predicate<String> coordinating) {
    this.lanes = lanes;
    this.coordinating = coordinating;
  }

  @Override
  public void running(PartRequest request, StreamObserver<PartReply> out) {
    PartReply.Builder reply = PartReply.newBuilder();
    if (!coordinating.test(request.getTxId())) {
      reply.setError(Errors.reply(io.shardlite.proto.ErrorCode.UNKNOWN_TRANSACTION, "transaction " + request.getTxId()
          + " is not running here", false).getError());
    }
    out.onNext(reply.build());
    out.onCompleted();
  }

  static CompletableFuture<PartReply> onLane(Lanes lanes, String op, PartRequest request) {
    Lane lane = lanes.lane(request.getShard());
    if (lane == null || lane.isStopped()) {
      return CompletableFuture.completedFuture(PartReply.newBuilder().setError(
          Errors.unavailable("shard " + request.getShard() + " is not served here (ownership is moving)").getError()).build());
    }
    return lane.part(op.equals("prepare"), request);
  }

  @Override
  public void prepare(PartRequest request, StreamObserver<PartReply> out) {
    answer(onLane(lanes, "prepare", request), out);
  }

  @Override
  public void resolve(PartRequest request, StreamObserver<PartReply> out) {
    answer(onLane(lanes, "resolve", request), out);
  }

  /** Prepares and resolves of many parts, as {@link PartRequest#getCall()} says, answered in any order. */
  @Override
  public StreamObserver<PartRequest> partStream(StreamObserver<PartReply> out) {
    return StreamAnswers.serve(out, this::onStream, PartRequest::getCallId,
        (reply, callId) -> reply.toBuilder().setCallId(callId).build());
  }

  private CompletableFuture<PartReply> onStream(PartRequest request) {
    PartRequest part = request.toBuilder().clearCall().clearCallId().build();
    CompletableFuture<PartReply> reply = switch (request.getCall()) {
      case PART_PREPARE -> onLane(lanes, "prepare", part);
      case PART_RESOLVE -> onLane(lanes, "resolve", part);
      default -> CompletableFuture.completedFuture(PartReply.newBuilder().setError(Errors.reply(
          io.shardlite.proto.ErrorCode.MALFORMED_REQUEST, "part call " + request.getCall() + " is not prepare or resolve",
          false).getError()).build());
    };
    return reply.handle((r, e) -> e == null ? r : PartReply.newBuilder().setError(Errors.reply(e).getError()).build());
  }

  private static void answer(CompletableFuture<PartReply> reply, StreamObserver<PartReply> out) {
    reply.whenComplete((r, e) -> {
      out.onNext(e == null ? r : PartReply.newBuilder().setError(Errors.reply(e).getError()).build());
      out.onCompleted();
    });
  }
}
