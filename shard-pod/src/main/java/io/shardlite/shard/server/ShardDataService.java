package io.shardlite.shard.server;

import io.grpc.stub.StreamObserver;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.metrics.CpuUse;
import io.shardlite.proto.ClaimEpochRequest;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GroupItem;
import io.shardlite.proto.PreparePart;
import io.shardlite.proto.PrepareRequest;
import io.shardlite.proto.ReadQuery;
import io.shardlite.proto.ReadRequest;
import io.shardlite.proto.ResolveRequest;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardResults;
import io.shardlite.proto.ShardServiceGrpc;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroup;
import io.shardlite.proto.WriteGroupRequest;
import io.shardlite.proto.WriteGroupResponse;
import io.shardlite.proto.WriteRequest;
import io.shardlite.shard.sql.SqlPolicy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The data plane of a shard pod: writes and epoch claims go through the shard's Raft group;
 * linearizable reads use Ratis read-index on the leader; follower reads are served by the local
 * replica when it heard from the leader within the staleness bound.
 *
 * <p>Every request is validated before it is proposed, so bad input is answered with a typed error
 * and never reaches the log.
 */
final class ShardDataService extends ShardServiceGrpc.ShardServiceImplBase {
  private final ShardGroups groups;
  private final ShardServerConfig config;
  private final CpuUse cpu;
  private final java.util.Map<Integer, WriteBatcher> batchers = new java.util.concurrent.ConcurrentHashMap<>();

  ShardDataService(ShardGroups groups, ShardServerConfig config, CpuUse cpu) {
    this.groups = groups;
    this.config = config;
    this.cpu = cpu;
  }

  @Override
  public void write(WriteRequest request, StreamObserver<ShardResult> out) {
    reply(out, () -> {
      WriteBatch batch = validate(request);
      return batchers.computeIfAbsent(request.getShardId(), this::newBatcher)
          .submit(batch)
          .orTimeout(timeoutMillis(request.getTimeoutMillis()), TimeUnit.MILLISECONDS);
    });
  }

  /** An ordered group from one writer: proposed as one entry, in the given order. */
  @Override
  public void writeGroup(WriteGroupRequest request, StreamObserver<WriteGroupResponse> out) {
    CompletableFuture<WriteGroupResponse> f;
    try {
      WriteGroup.Builder group = WriteGroup.newBuilder();
      if (request.getItemsCount() > 0) {
        group.addAllItems(validateItems(request));
      } else if (request.getBatchesCount() == 0) {
        throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a write group needs at least one batch");
      }
      if (request.hasResolveFirst()) {
        if (request.getResolveFirst().getTxId().isEmpty()) {
          throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a resolve needs a tx_id");
        }
        group.setResolveFirst(request.getResolveFirst());
      }
      for (WriteBatch batch : request.getBatchesList()) {
        group.addBatches(validate(WriteRequest.newBuilder().setShardId(request.getShardId()).setBatch(batch).build()));
      }
      if (request.hasPrepareLast()) {
        group.setPrepareLast(PreparePart.newBuilder().setBatch(validatePart(request.getShardId(),
            request.getPrepareLast().getBatch())).setSpeculative(request.getPrepareLast().getSpeculative()));
      }
      if (group.build().getSerializedSize() > config.maxBatchBytes()) {
        throw new ShardliteException(ErrorCode.BATCH_TOO_LARGE, "write group is " + group.build().getSerializedSize()
            + " bytes; the limit is " + config.maxBatchBytes() + " (--max-batch-bytes)");
      }
      f = send(request.getShardId(), ShardEntry.newBuilder().setGroup(group).build())
          .thenApply(r -> {
            if (!r.isSuccess()) {
              throw RaftErrors.toShardlite(r.getException(), "write group");
            }
            try {
              ShardResults results = ShardResults.parseFrom(r.getMessage().getContent().toByteArray());
              WriteGroupResponse.Builder response = WriteGroupResponse.newBuilder().addAllResults(results.getResultsList());
              if (results.hasResolved()) {
                response.setResolved(results.getResolved());
              }
              if (results.hasPrepared()) {
                response.setPrepared(results.getPrepared());
              }
              response.addAllItemResults(results.getItemResultsList());
              // The writer learns that reads wait for its parts here (on the leader, where
              // linearizable reads run; an answer relayed from another member says false).
              response.setReadsWaiting(groups.stateMachine(request.getShardId()).readsWaiting());
              response.setCpuPercent(cpu.percent());
              return response.build();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
              throw new ShardliteException(ErrorCode.INTERNAL, "write group: undecodable reply from the shard group");
            }
          })
          .orTimeout(timeoutMillis(request.getTimeoutMillis()), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((response, error) -> {
      out.onNext(error == null ? response : WriteGroupResponse.newBuilder()
          .setError(RaftErrors.toShardlite(error, "write group").toProto()).build());
      out.onCompleted();
    });
  }

  private WriteBatcher newBatcher(int shard) {
    return new WriteBatcher(config.proposalsInFlight(), config.maxBatchBytes(), entry -> send(shard, entry)
        .thenApply(r -> {
          if (!r.isSuccess()) {
            throw RaftErrors.toShardlite(r.getException(), "write");
          }
          return com.google.protobuf.ByteString.copyFrom(r.getMessage().getContent().asReadOnlyByteBuffer());
        }));
  }

  /**
   * The items of a write group in its general form: each checked as its own request would be, and
   * every resolution before any other item (an ABORT rolls back to its part, so nothing of the
   * same entry may sit above it).
   */
  private List<GroupItem> validateItems(WriteGroupRequest request) {
    if (request.getBatchesCount() > 0 || request.hasResolveFirst() || request.hasPrepareLast()) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST,
          "a write group has either items or batches (with resolve_first and prepare_last), not both");
    }
    List<GroupItem> items = new java.util.ArrayList<>(request.getItemsCount());
    boolean resolutionsDone = false;
    for (GroupItem item : request.getItemsList()) {
      switch (item.getItemCase()) {
        case BATCH -> items.add(GroupItem.newBuilder().setBatch(validate(WriteRequest.newBuilder()
            .setShardId(request.getShardId()).setBatch(item.getBatch()).build())).build());
        case PREPARE -> items.add(GroupItem.newBuilder().setPrepare(PreparePart.newBuilder()
            .setBatch(validatePart(request.getShardId(), item.getPrepare().getBatch()))
            .setSpeculative(item.getPrepare().getSpeculative())).build());
        case READ -> items.add(GroupItem.newBuilder().setRead(io.shardlite.proto.ReadPart.newBuilder()
            .setBatch(validatePart(request.getShardId(), item.getRead().getBatch()))).build());
        case RESOLVE -> {
          if (resolutionsDone) {
            throw new ShardliteException(ErrorCode.MALFORMED_REQUEST,
                "a write group's resolutions come before its writes and prepares");
          }
          if (item.getResolve().getTxId().isEmpty()) {
            throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a resolve needs a tx_id");
          }
          items.add(item);
        }
        case ITEM_NOT_SET -> throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "an empty write group item");
      }
      resolutionsDone |= item.getItemCase() != GroupItem.ItemCase.RESOLVE;
    }
    return items;
  }

  /** A multi-shard part to prepare or read: a valid write with a tx_id and a global LSN. */
  private WriteBatch validatePart(int shard, WriteBatch part) {
    WriteBatch batch = validate(WriteRequest.newBuilder().setShardId(shard).setBatch(part).build());
    if (batch.getTxId().isEmpty() || batch.getGlobalLsn() <= 0) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a multi-shard part needs a tx_id and a global LSN");
    }
    return batch;
  }

  /** Phase one of a multi-shard part (see {@code PreparePart}). */
  @Override
  public void prepare(PrepareRequest request, StreamObserver<ShardResult> out) {
    reply(out, () -> {
      WriteBatch batch = validatePart(request.getShardId(), request.getPart().getBatch());
      ShardEntry entry = ShardEntry.newBuilder().setPrepare(PreparePart.newBuilder().setBatch(batch)
          .setSpeculative(request.getPart().getSpeculative())).build();
      return propose(request.getShardId(), entry, request.getTimeoutMillis(), "prepare");
    });
  }

  /** Phase two of a multi-shard part: commit or abort what was prepared. */
  @Override
  public void resolve(ResolveRequest request, StreamObserver<ShardResult> out) {
    reply(out, () -> {
      groups.division(request.getShardId());
      if (request.getPart().getTxId().isEmpty()) {
        throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a resolve needs a tx_id");
      }
      ShardEntry entry = ShardEntry.newBuilder().setResolve(request.getPart()).build();
      return propose(request.getShardId(), entry, request.getTimeoutMillis(), "resolve");
    });
  }

  @Override
  public void claim(ClaimEpochRequest request, StreamObserver<ShardResult> out) {
    reply(out, () -> {
      if (!request.hasClaim() || request.getClaim().getEpoch() < 0) {
        throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a claim needs a non-negative epoch");
      }
      ShardEntry entry = ShardEntry.newBuilder().setClaim(request.getClaim()).build();
      return propose(request.getShardId(), entry, request.getTimeoutMillis(), "claim");
    });
  }

  @Override
  public void read(ReadRequest request, StreamObserver<ShardResult> out) {
    reply(out, () -> {
      if (request.getStatementsCount() == 0) {
        throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a read needs at least one statement");
      }
      ReadQuery query = ReadQuery.newBuilder().addAllStatements(request.getStatementsList()).build();
      if (request.getConsistency() == Consistency.FOLLOWER) {
        return CompletableFuture.completedFuture(followerRead(request, query));
      }
      return leaderFirst(request.getShardId(), Message.valueOf(ByteString.copyFrom(query.toByteArray())), true)
          .thenApply(r -> parse(r, "read"))
          .orTimeout(timeoutMillis(request.getTimeoutMillis()), TimeUnit.MILLISECONDS);
    });
  }

  private ShardResult followerRead(ReadRequest request, ReadQuery query) {
    RaftServer.Division division = groups.division(request.getShardId());
    long maxLag = request.getMaxLagMillis() > 0 ? request.getMaxLagMillis() : config.followerMaxLag().toMillis();
    var machine = groups.stateMachine(request.getShardId());
    FollowerReadGate.check(request.getShardId(), division.getInfo().getRoleInfoProto(),
        division.getInfo().isLeaderReady(), maxLag, machine.speculativeTailAgeMillis());
    return machine.read(query);
  }

  private CompletableFuture<ShardResult> propose(int shard, ShardEntry entry, long timeoutMillis, String what) {
    return send(shard, entry)
        .thenApply(r -> parse(r, what))
        .orTimeout(timeoutMillis(timeoutMillis), TimeUnit.MILLISECONDS);
  }

  /** Sends one entry ({@link #leaderFirst}). */
  private CompletableFuture<RaftClientReply> send(int shard, ShardEntry entry) {
    return leaderFirst(shard, Message.valueOf(ByteString.copyFrom(entry.toByteArray())), false);
  }

  /**
   * An entry, or a linearizable read ({@code read}): straight to this server's member when it
   * leads the shard, else (or when the member stopped leading or is not ready yet: nothing ran)
   * through the shard's Raft client, replacing the client if Ratis closed it.
   */
  private CompletableFuture<RaftClientReply> leaderFirst(int shard, Message message, boolean read) {
    Optional<CompletableFuture<RaftClientReply>> local = read ? groups.readIfLeader(shard, message)
        : groups.submitIfLeader(shard, message);
    if (local.isEmpty()) {
      return throughClient(shard, message, read);
    }
    return local.get().thenCompose(r -> r.getNotLeaderException() != null || r.getException()
        instanceof org.apache.ratis.protocol.exceptions.LeaderNotReadyException
        ? throughClient(shard, message, read) : CompletableFuture.completedFuture(r));
  }

  /**
   * Reads leave unordered: a client's ordered requests are served one after another, so a read
   * that waits on a follower (its read index asks a leader that just died, until the 3 s request
   * timeout) would hold back every write forwarded after it. A linearizable read needs no order
   * with the writes of other callers; its own caller waits for its writes before reading.
   */
  private CompletableFuture<RaftClientReply> throughClient(int shard, Message message, boolean read) {
    RaftClient client = groups.client(shard);
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = read ? client.async().sendReadOnlyUnordered(message) : client.async().send(message);
    } catch (RuntimeException e) {
      groups.evictIfBroken(client, e);
      throw e;
    }
    return sent.whenComplete((r, e) -> groups.evictIfBroken(client, e != null ? e : r.getException()));
  }

  /** Checks a write before it is proposed and fills in the transaction's time and seed if absent. */
  private WriteBatch validate(WriteRequest request) {
    groups.division(request.getShardId());
    if (!request.hasBatch() || request.getBatch().getStatementsCount() == 0) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a write needs at least one statement");
    }
    int size = request.getBatch().getSerializedSize();
    if (size > config.maxBatchBytes()) {
      throw new ShardliteException(ErrorCode.BATCH_TOO_LARGE,
          "batch is " + size + " bytes; the limit is " + config.maxBatchBytes() + " (--max-batch-bytes)");
    }
    WriteBatch batch = request.getBatch();
    for (int i = 0; i < batch.getStatementsCount(); i++) {
      try {
        SqlPolicy.check(batch.getStatements(i).getSql());
      } catch (ShardliteException e) {
        throw e.atStatement(i);
      }
    }
    if (batch.getEpoch() < 0 || batch.getGlobalLsn() < 0) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "epoch and global LSN must not be negative");
    }
    WriteBatch.Builder b = batch.toBuilder();
    if (b.getTimestampMillis() == 0) {
      b.setTimestampMillis(System.currentTimeMillis());
    }
    if (b.getRandomSeed() == 0) {
      b.setRandomSeed(ThreadLocalRandom.current().nextLong());
    }
    return b.build();
  }

  private static ShardResult parse(RaftClientReply reply, String what) {
    if (!reply.isSuccess()) {
      throw RaftErrors.toShardlite(reply.getException(), what);
    }
    try {
      return ShardResult.parseFrom(reply.getMessage().getContent().toByteArray());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ShardliteException(ErrorCode.INTERNAL, what + ": undecodable reply from the shard group");
    }
  }

  private long timeoutMillis(long requested) {
    return requested > 0 ? requested : config.requestTimeout().toMillis();
  }

  /** Runs a handler and always answers: a result, or a result carrying the typed error. */
  private static void reply(StreamObserver<ShardResult> out, Handler handler) {
    CompletableFuture<ShardResult> f;
    try {
      f = handler.run();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((result, error) -> {
      ShardResult answer = error == null ? result
          : ShardResult.newBuilder().setError(RaftErrors.toShardlite(error, "request").toProto()).build();
      out.onNext(answer);
      out.onCompleted();
    });
  }

  @FunctionalInterface
  private interface Handler {
    CompletableFuture<ShardResult> run();
  }
}
