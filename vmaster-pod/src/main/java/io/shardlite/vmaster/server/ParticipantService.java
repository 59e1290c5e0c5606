package io.shardlite.vmaster.server;

import io.grpc.stub.StreamObserver;
import io.shardlite.common.rpc.StreamAnswers;
import io.shardlite.proto.PartCall;
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

  /** The lane's answer to a prepare or resolve, as {@link PartRequest#getCall()} says. */
  static CompletableFuture<PartReply> onLane(Lanes lanes, PartRequest request) {
    if (request.getCall() != PartCall.PART_PREPARE && request.getCall() != PartCall.PART_RESOLVE) {
      return CompletableFuture.completedFuture(PartReply.newBuilder().setError(Errors.reply(
          io.shardlite.proto.ErrorCode.MALFORMED_REQUEST, "part call " + request.getCall() + " is not prepare or resolve",
          false).getError()).build());
    }
    Lane lane = lanes.lane(request.getShard());
    if (lane == null || lane.isStopped()) {
      return CompletableFuture.completedFuture(PartReply.newBuilder().setError(
          Errors.unavailable("shard " + request.getShard() + " is not served here (ownership is moving)").getError()).build());
    }
    return lane.part(request.getCall() == PartCall.PART_PREPARE, request);
  }

  /** "prepare" or "resolve", for messages. */
  static String name(PartRequest request) {
    return request.getCall() == PartCall.PART_PREPARE ? "prepare" : "resolve";
  }

  @Override
  public void prepare(PartRequest request, StreamObserver<PartReply> out) {
    answer(onLane(lanes, request.toBuilder().setCall(PartCall.PART_PREPARE).build()), out);
  }

  @Override
  public void resolve(PartRequest request, StreamObserver<PartReply> out) {
    answer(onLane(lanes, request.toBuilder().setCall(PartCall.PART_RESOLVE).build()), out);
  }

  /** Prepares and resolves of many parts, as {@link PartRequest#getCall()} says, answered in any order. */
  @Override
  public StreamObserver<PartRequest> partStream(StreamObserver<PartReply> out) {
    return StreamAnswers.serve(out, request -> onLane(lanes, request).handle((r, e) -> e == null ? r
        : PartReply.newBuilder().setError(Errors.reply(e).getError()).build()), PartRequest::getCallId,
        (reply, callId) -> reply.toBuilder().setCallId(callId).build());
  }

  private static void answer(CompletableFuture<PartReply> reply, StreamObserver<PartReply> out) {
    reply.whenComplete((r, e) -> {
      out.onNext(e == null ? r : PartReply.newBuilder().setError(Errors.reply(e).getError()).build());
      out.onCompleted();
    });
  }
}
