package io.shardlite.common.shard;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.rpc.Channels;
import io.shardlite.proto.AddReplicaRequest;
import io.shardlite.proto.ClaimEpoch;
import io.shardlite.proto.ClaimEpochRequest;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.DumpRequest;
import io.shardlite.proto.DumpResponse;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ListGroupsRequest;
import io.shardlite.proto.ListGroupsResponse;
import io.shardlite.proto.MembershipResponse;
import io.shardlite.proto.Peer;
import io.shardlite.proto.PreparePart;
import io.shardlite.proto.PrepareRequest;
import io.shardlite.proto.ReadRequest;
import io.shardlite.proto.RemoveReplicaRequest;
import io.shardlite.proto.ResolvePart;
import io.shardlite.proto.ResolveRequest;
import io.shardlite.proto.ShardAdminGrpc;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardServiceGrpc;
import io.shardlite.proto.Statement;
import io.shardlite.proto.TransferLeadershipRequest;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroupRequest;
import io.shardlite.proto.WriteGroupResponse;
import io.shardlite.proto.WriteRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client of one shard server's gRPC port (data and admin plane). Results that carry an error
 * are returned as they are; {@link #orThrow} turns one into a {@link ShardliteException}.
 * Transport failures become {@code UNAVAILABLE}/{@code TIMEOUT} errors, never raw gRPC exceptions.
 */
public final class ShardNodeClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final ShardServiceGrpc.ShardServiceBlockingStub data;
  private final ShardServiceGrpc.ShardServiceFutureStub dataAsync;
  /** For lanes' write groups: their futures complete on the event loop that read the reply. */
  private final ShardServiceGrpc.ShardServiceFutureStub groupsAsync;
  private final ShardAdminGrpc.ShardAdminBlockingStub admin;
  private final Duration deadline;

  public ShardNodeClient(String host, int port, Duration deadline) {
    this.channel = Channels.to(host, port);
    this.data = ShardServiceGrpc.newBlockingStub(channel);
    this.dataAsync = ShardServiceGrpc.newFutureStub(channel);
    this.groupsAsync = dataAsync.withExecutor(MoreExecutors.directExecutor());
    this.admin = ShardAdminGrpc.newBlockingStub(channel);
    this.deadline = deadline;
  }

  public ShardResult write(int shard, WriteBatch batch) {
    return call(() -> data.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .write(WriteRequest.newBuilder().setShardId(shard).setBatch(batch).setTimeoutMillis(deadline.toMillis()).build()));
  }

  /**
   * Proposes several transactions, in this order, as one entry of the shard's log. The future (like
   * those of the other write-group methods) completes on the event loop that read the reply: wait
   * for it, or continue without blocking.
   */
  public com.google.common.util.concurrent.ListenableFuture<WriteGroupResponse> writeGroupAsync(int shard,
      List<WriteBatch> batches) {
    return writeGroupAsync(shard, batches, null, null);
  }

  /**
   * A write group that may first resolve one multi-shard part and last prepare another, all in one
   * entry (null: none).
   */
  public com.google.common.util.concurrent.ListenableFuture<WriteGroupResponse> writeGroupAsync(int shard,
      List<WriteBatch> batches, ResolvePart resolveFirst, PreparePart prepareLast) {
    WriteGroupRequest.Builder request = WriteGroupRequest.newBuilder().setShardId(shard).addAllBatches(batches)
        .setTimeoutMillis(deadline.toMillis());
    if (resolveFirst != null) {
      request.setResolveFirst(resolveFirst);
    }
    if (prepareLast != null) {
      request.setPrepareLast(prepareLast);
    }
    return groupsAsync.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS).writeGroup(request.build());
  }

  /** Proposes a write group in its general form: writes, prepares and resolutions in this order, one entry. */
  public com.google.common.util.concurrent.ListenableFuture<WriteGroupResponse> writeItemsAsync(int shard,
      List<io.shardlite.proto.GroupItem> items) {
    return groupsAsync.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS).writeGroup(WriteGroupRequest
        .newBuilder().setShardId(shard).addAllItems(items).setTimeoutMillis(deadline.toMillis()).build());
  }

  /** Asynchronous write, for load generators that keep many requests in flight on one channel. */
  public com.google.common.util.concurrent.ListenableFuture<ShardResult> writeAsync(int shard, WriteBatch batch) {
    return dataAsync.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .write(WriteRequest.newBuilder().setShardId(shard).setBatch(batch).setTimeoutMillis(deadline.toMillis()).build());
  }

  /** Phase one of a multi-shard part: check and store it (see {@code PreparePart}). */
  public ShardResult prepare(int shard, WriteBatch part) {
    return prepare(shard, PreparePart.newBuilder().setBatch(part).build());
  }

  /** Phase one of a multi-shard part, stored or speculative (see {@code PreparePart}). */
  public ShardResult prepare(int shard, PreparePart part) {
    return call(() -> data.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .prepare(prepareRequest(shard, part)));
  }

  /** {@link #prepare(int, PreparePart)} without blocking; transport failures fail the future. */
  public com.google.common.util.concurrent.ListenableFuture<ShardResult> prepareAsync(int shard, PreparePart part) {
    return dataAsync.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .prepare(prepareRequest(shard, part));
  }

  private PrepareRequest prepareRequest(int shard, PreparePart part) {
    return PrepareRequest.newBuilder().setShardId(shard).setPart(part).setTimeoutMillis(deadline.toMillis()).build();
  }

  /** Phase two: commit or abort the part prepared for {@code txId}, as the owner of {@code epoch}. */
  public ShardResult resolve(int shard, String txId, boolean commit, long epoch) {
    return call(() -> data.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .resolve(resolveRequest(shard, txId, commit, epoch)));
  }

  /** {@link #resolve} without blocking; transport failures fail the future. */
  public com.google.common.util.concurrent.ListenableFuture<ShardResult> resolveAsync(int shard, String txId,
      boolean commit, long epoch) {
    return dataAsync.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .resolve(resolveRequest(shard, txId, commit, epoch));
  }

  private ResolveRequest resolveRequest(int shard, String txId, boolean commit, long epoch) {
    return ResolveRequest.newBuilder().setShardId(shard)
        .setPart(ResolvePart.newBuilder().setTxId(txId).setCommit(commit).setEpoch(epoch))
        .setTimeoutMillis(deadline.toMillis()).build();
  }

  public ShardResult claim(int shard, long epoch, String owner) {
    return call(() -> data.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .claim(ClaimEpochRequest.newBuilder().setShardId(shard)
            .setClaim(ClaimEpoch.newBuilder().setEpoch(epoch).setOwner(owner)).setTimeoutMillis(deadline.toMillis()).build()));
  }

  public ShardResult read(int shard, Consistency consistency, long maxLagMillis, List<Statement> statements) {
    return call(() -> data.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .read(readRequest(shard, consistency, maxLagMillis, statements)));
  }

  /** {@link #read} without blocking; transport failures fail the future. */
  public com.google.common.util.concurrent.ListenableFuture<ShardResult> readAsync(int shard, Consistency consistency,
      long maxLagMillis, List<Statement> statements) {
    return dataAsync.withDeadlineAfter(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .read(readRequest(shard, consistency, maxLagMillis, statements));
  }

  private ReadRequest readRequest(int shard, Consistency consistency, long maxLagMillis, List<Statement> statements) {
    return ReadRequest.newBuilder().setShardId(shard).addAllStatements(statements).setConsistency(consistency)
        .setMaxLagMillis(maxLagMillis).setTimeoutMillis(deadline.toMillis()).build();
  }

  public ListGroupsResponse listGroups() {
    return call(() -> admin.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .listGroups(ListGroupsRequest.getDefaultInstance()));
  }

  public DumpResponse dump(int shard, boolean includeText) {
    return call(() -> admin.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .dump(DumpRequest.newBuilder().setShardId(shard).setIncludeText(includeText).build()));
  }

  public MembershipResponse addReplica(int shard, String peerId, String raftAddress, Duration timeout) {
    return call(() -> admin.withDeadlineAfter(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .addReplica(AddReplicaRequest.newBuilder().setShardId(shard)
            .setPeer(Peer.newBuilder().setId(peerId).setAddress(raftAddress)).setTimeoutMillis(timeout.toMillis()).build()));
  }

  public MembershipResponse removeReplica(int shard, String peerId, Duration timeout) {
    return call(() -> admin.withDeadlineAfter(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .removeReplica(RemoveReplicaRequest.newBuilder().setShardId(shard).setPeerId(peerId)
            .setTimeoutMillis(timeout.toMillis()).build()));
  }

  public MembershipResponse transferLeadership(int shard, String peerId, Duration timeout) {
    return call(() -> admin.withDeadlineAfter(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .transferLeadership(TransferLeadershipRequest.newBuilder().setShardId(shard).setPeerId(peerId)
            .setTimeoutMillis(timeout.toMillis()).build()));
  }

  public static ShardResult orThrow(ShardResult r) {
    if (r.hasError()) {
      throw ShardliteException.fromProto(r.getError());
    }
    return r;
  }

  private static <T> T call(java.util.function.Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw transportError(e);
    }
  }

  /** Maps a gRPC transport failure to a typed error. */
  public static ShardliteException transportError(StatusRuntimeException e) {
    ErrorCode code = switch (e.getStatus().getCode()) {
      case DEADLINE_EXCEEDED -> ErrorCode.TIMEOUT;
      case UNAVAILABLE, CANCELLED, ABORTED, RESOURCE_EXHAUSTED -> ErrorCode.UNAVAILABLE;
      default -> ErrorCode.INTERNAL;
    };
    return new ShardliteException(code, "shard server call failed: " + e.getStatus(), code != ErrorCode.INTERNAL, -1, e);
  }

  /**
   * {@link #transportError} for a call that is always safe to repeat (it carries an id the cluster
   * applies at most once, or it only reads): retryable whatever the status, even UNKNOWN (e.g. the
   * server died mid-call), because repeating it cannot apply anything twice.
   */
  public static Error repeatableCallError(StatusRuntimeException e) {
    return transportError(e).toProto().toBuilder().setRetryable(true).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
