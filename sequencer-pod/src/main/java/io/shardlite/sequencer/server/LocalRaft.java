package io.shardlite.sequencer.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GetDecisionReply;
import io.shardlite.proto.GetDecisionRequest;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Hands commands straight to this process' Raft server (no client hop over the network). Only the
 * leader accepts them; elsewhere the reply is a retryable UNAVAILABLE error that names the leader,
 * and the virtual master's client moves to another endpoint.
 */
final class LocalRaft {
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  LocalRaft(RaftServer server, RaftGroupId groupId) {
    this.server = server;
    this.groupId = groupId;
  }

  DivisionInfo info() throws IOException {
    return server.getDivision(groupId).getInfo();
  }

  boolean isLeaderReady() {
    try {
      DivisionInfo info = info();
      return info.isLeader() && info.isLeaderReady();
    } catch (IOException e) {
      return false;
    }
  }

  /** Appends a command to the log; completes with its reply, or with an ERROR body if it did not run. */
  CompletableFuture<SequencerReply> write(SequencerCommand command) {
    return submit(RaftClientRequest.writeRequestType(), command.toByteArray()).thenApply(reply -> {
      Error error = errorOf(reply);
      if (error != null) {
        return SequencerReply.newBuilder().setError(error).build();
      }
      try {
        return SequencerReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
      } catch (InvalidProtocolBufferException e) {
        return SequencerReply.newBuilder().setError(internal("undecodable reply: " + e.getMessage())).build();
      }
    }).exceptionally(e -> SequencerReply.newBuilder().setError(unavailable(e)).build());
  }

  /** A linearizable read (Raft read index on the leader). */
  CompletableFuture<GetDecisionReply> read(GetDecisionRequest request) {
    return submit(RaftClientRequest.readRequestType(), request.toByteArray()).thenApply(reply -> {
      Error error = errorOf(reply);
      if (error != null) {
        return GetDecisionReply.newBuilder().setError(error).setTxId(request.getTxId()).build();
      }
      try {
        return GetDecisionReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
      } catch (InvalidProtocolBufferException e) {
        return GetDecisionReply.newBuilder().setError(internal("undecodable reply: " + e.getMessage())).build();
      }
    }).exceptionally(e -> GetDecisionReply.newBuilder().setError(unavailable(e)).setTxId(request.getTxId()).build());
  }

  private CompletableFuture<RaftClientReply> submit(RaftClientRequest.Type type, byte[] content) {
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(server.getId())
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(Message.valueOf(ByteString.copyFrom(content)))
        .setType(type)
        .build();
    try {
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Error errorOf(RaftClientReply reply) {
    if (reply.isSuccess()) {
      return null;
    }
    NotLeaderException notLeader = reply.getNotLeaderException();
    if (notLeader != null) {
      RaftPeerId leader = notLeader.getSuggestedLeader() == null ? null : notLeader.getSuggestedLeader().getId();
      return Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).setRetryable(true)
          .setMessage("sequencer replica " + server.getId() + " is not the leader; leader: "
              + (leader == null ? "unknown" : leader)).build();
    }
    RaftException e = reply.getException();
    if (reply.getStateMachineException() != null) {
      return internal("state machine failed: " + e.getMessage());
    }
    return Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).setRetryable(true)
        .setMessage("sequencer replica " + server.getId() + " cannot serve now: " + (e == null ? "unknown" : e.getMessage()))
        .build();
  }

  private Error unavailable(Throwable e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).setRetryable(true)
        .setMessage("sequencer replica " + server.getId() + " cannot serve now: " + cause).build();
  }

  private static Error internal(String message) {
    return Error.newBuilder().setCode(ErrorCode.INTERNAL).setRetryable(false).setMessage(message).build();
  }
}
