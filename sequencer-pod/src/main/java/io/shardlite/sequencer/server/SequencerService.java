package io.shardlite.sequencer.server;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shardlite.common.rpc.StreamAnswers;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.Decide;
import io.shardlite.proto.DecideReply;
import io.shardlite.proto.DrainVm;
import io.shardlite.proto.Error;
import io.shardlite.proto.GetDecisionReply;
import io.shardlite.proto.GetDecisionRequest;
import io.shardlite.proto.Heartbeat;
import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.RegisterVm;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerGrpc;
import io.shardlite.proto.SequencerReply;
import io.shardlite.proto.VmReply;
import io.shardlite.proto.WatchOwnershipRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The gRPC API virtual masters use. Commands go through the local Raft server (only the leader
 * accepts them); errors are typed fields of the replies, never gRPC statuses, except that an LSN
 * stream ends with UNAVAILABLE after this replica stops being able to serve it.
 */
final class SequencerService extends SequencerGrpc.SequencerImplBase {
  private final LocalRaft raft;
  private final CommandBatcher batcher;
  private final SequencerStateMachine machine;
  private final SequencerMetrics metrics;

  SequencerService(LocalRaft raft, CommandBatcher batcher, SequencerStateMachine machine, SequencerMetrics metrics) {
    this.raft = raft;
    this.batcher = batcher;
    this.machine = machine;
    this.metrics = metrics;
  }

  @Override
  public StreamObserver<AssignLsns> lsnStream(StreamObserver<AssignLsnsReply> out) {
    return new LsnStreamHandler(batcher::assign, (ServerCallStreamObserver<AssignLsnsReply>) out, metrics);
  }

  @Override
  public void watchOwnership(WatchOwnershipRequest request, StreamObserver<OwnershipUpdate> out) {
    ServerCallStreamObserver<OwnershipUpdate> stream = (ServerCallStreamObserver<OwnershipUpdate>) out;
    Object sendLock = new Object();
    SequencerWatchers.Watcher watcher = machine.watch(request.getIncludeDecisions(), update -> {
      synchronized (sendLock) {
        if (!stream.isCancelled()) {
          stream.onNext(update);
        }
      }
    });
    stream.setOnCancelHandler(() -> machine.unwatch(watcher));
  }

  @Override
  public void decide(Decide request, StreamObserver<DecideReply> out) {
    decided(request).thenAccept(reply -> {
      out.onNext(reply);
      out.onCompleted();
    });
  }

  @Override
  public StreamObserver<Decide> decideStream(StreamObserver<DecideReply> out) {
    return StreamAnswers.serve(out, request -> decided(request.toBuilder().clearCallId().build()), Decide::getCallId,
        (reply, callId) -> reply.toBuilder().setCallId(callId).build());
  }

  /** The decision's reply (never fails); a COMMIT waiting for the transactions it depends on is answered once decided. */
  private CompletableFuture<DecideReply> decided(Decide request) {
    long start = System.nanoTime();
    CompletableFuture<DecideReply> answer = new CompletableFuture<>();
    batcher.submit(SequencerCommand.newBuilder().setDecide(request).build()).whenComplete((r, e) -> {
      DecideReply reply = e != null
          ? DecideReply.newBuilder().setError(Error.newBuilder().setCode(io.shardlite.proto.ErrorCode.UNAVAILABLE)
              .setRetryable(true).setMessage("decide not applied: " + e)).build()
          : r.hasDecided() ? r.getDecided() : DecideReply.newBuilder().setError(errorOf(r)).build();
      if (!reply.getWaiting()) {
        metrics.request("Decide", start);
        answer.complete(reply);
        return;
      }
      // A COMMIT waiting for the transactions it depends on: answered when the decision applies
      // (the caller's deadline bounds the wait; a retry waits again).
      machine.awaitDecision(request.getTxId()).whenComplete((d, ignored) -> {
        metrics.request("Decide", start);
        answer.complete(DecideReply.newBuilder().setDecision(d).setWon(d.getOutcome() == request.getOutcome()).build());
      });
    });
    return answer;
  }

  @Override
  public void getDecision(GetDecisionRequest request, StreamObserver<GetDecisionReply> out) {
    long start = System.nanoTime();
    raft.read(request).whenComplete((reply, e) -> {
      out.onNext(reply);
      out.onCompleted();
      metrics.request("GetDecision", start);
    });
  }

  @Override
  public void register(RegisterVm request, StreamObserver<VmReply> out) {
    unary("Register", SequencerCommand.newBuilder().setRegister(request).build(), out,
        r -> vmReply(r, request.getVmId()));
  }

  @Override
  public void heartbeat(Heartbeat request, StreamObserver<VmReply> out) {
    unary("Heartbeat", SequencerCommand.newBuilder().setHeartbeat(request).build(), out,
        r -> vmReply(r, request.getVmId()));
  }

  @Override
  public void drain(DrainVm request, StreamObserver<VmReply> out) {
    unary("Drain", SequencerCommand.newBuilder().setDrain(request).build(), out, r -> vmReply(r, request.getVmId()));
  }

  private <T> void unary(String method, SequencerCommand command, StreamObserver<T> out,
      Function<SequencerReply, T> convert) {
    long start = System.nanoTime();
    // Through group commit too: concurrent decisions and heartbeats share entries with LSN requests.
    CompletableFuture<SequencerReply> reply = batcher.submit(command);
    reply.whenComplete((r, e) -> {
      out.onNext(convert.apply(r));
      out.onCompleted();
      metrics.request(method, start);
    });
  }

  private static VmReply vmReply(SequencerReply reply, String vmId) {
    return reply.hasVm() ? reply.getVm() : VmReply.newBuilder().setVmId(vmId).setError(errorOf(reply)).build();
  }

  private static Error errorOf(SequencerReply reply) {
    Error error = Replies.errorOf(reply);
    return error != null ? error : Error.newBuilder().setCode(io.shardlite.proto.ErrorCode.INTERNAL)
        .setMessage("unexpected reply " + reply.getBodyCase()).build();
  }
}
