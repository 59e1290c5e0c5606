package io.shardlite.shard.server;

import io.grpc.stub.StreamObserver;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.AddReplicaRequest;
import io.shardlite.proto.DumpRequest;
import io.shardlite.proto.DumpResponse;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.ListGroupsRequest;
import io.shardlite.proto.ListGroupsResponse;
import io.shardlite.proto.MembershipResponse;
import io.shardlite.proto.Peer;
import io.shardlite.proto.RemoveReplicaRequest;
import io.shardlite.proto.ShardAdminGrpc;
import io.shardlite.proto.TransferLeadershipRequest;
import io.shardlite.shard.state.ShardDatabase;
import io.shardlite.shard.state.ShardStateMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin plane of a shard pod: Raft membership changes (add a replica and let it catch up from
 * the log or a snapshot, remove a replica), leadership transfer, and inspection (group status,
 * ordered dumps of the local replica).
 */
final class ShardAdminService extends ShardAdminGrpc.ShardAdminImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(ShardAdminService.class);

  private final String nodeId;
  private final ShardGroups groups;
  /** Membership changes block for the catch-up; they run here, not on gRPC threads. */
  private final ExecutorService blocking = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "shard-admin");
    t.setDaemon(true);
    return t;
  });

  ShardAdminService(String nodeId, ShardGroups groups) {
    this.nodeId = nodeId;
    this.groups = groups;
  }

  void shutdown() {
    blocking.shutdownNow();
  }

  @Override
  public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> out) {
    ListGroupsResponse.Builder b = ListGroupsResponse.newBuilder().setNodeId(nodeId);
    for (int shard : groups.localShards()) {
      try {
        b.addGroups(status(shard));
      } catch (ShardliteException e) {
        // removed between listing and inspection
      }
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  GroupStatus status(int shard) {
    RaftServer.Division d = groups.division(shard);
    ShardStateMachine sm = (ShardStateMachine) d.getStateMachine();
    ShardDatabase.Meta meta = sm.meta();
    GroupStatus.Builder s = GroupStatus.newBuilder()
        .setShardId(shard)
        .setGroupId(d.getGroup().getGroupId().getUuid().toString())
        .setRole(d.getInfo().getCurrentRole().name())
        .setLeaderId(d.getInfo().getLeaderId() == null ? "" : d.getInfo().getLeaderId().toString())
        .setTerm(d.getInfo().getCurrentTerm())
        .setAppliedIndex(d.getInfo().getLastAppliedIndex())
        .setCommitIndex(d.getRaftLog().getLastCommittedIndex())
        .setSnapshotIndex(sm.latestSnapshotIndex())
        .setEpoch(meta.epoch())
        .setGlobalLsn(meta.globalLsn())
        .setSizeBytes(sm.sizeBytes());
    s.addAllPeers(toProto(d.getGroup().getPeers()));
    return s.build();
  }

  @Override
  public void addReplica(AddReplicaRequest request, StreamObserver<MembershipResponse> out) {
    membership(out, () -> {
      if (!request.hasPeer() || request.getPeer().getId().isBlank() || !request.getPeer().getAddress().contains(":")) {
        throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "add replica needs a peer id and a host:port address");
      }
      RaftGroup group = groups.division(request.getShardId()).getGroup();
      RaftPeerId newId = RaftPeerId.valueOf(request.getPeer().getId());
      if (group.getPeer(newId) != null) {
        return group;
      }
      RaftPeer newPeer = RaftPeer.newBuilder().setId(newId).setAddress(request.getPeer().getAddress()).build();
      List<RaftPeer> next = new ArrayList<>(group.getPeers());
      next.add(newPeer);
      try (RaftClient client = groups.adminClient(group.getGroupId(), next)) {
        try {
          // The new member starts with an empty configuration and waits for the leader to reach it.
          check(client.getGroupManagementApi(newId).add(RaftGroup.valueOf(group.getGroupId())), "add group on " + newId);
        } catch (AlreadyExistsException alreadyHosted) {
          LOG.info("shard {}: {} already hosts the group", request.getShardId(), newId);
        }
        // Ratis stages the new peer until it caught up (log or snapshot), then commits the change.
        check(client.admin().setConfiguration(next), "set configuration");
      }
      LOG.info("shard {}: added replica {}", request.getShardId(), newId);
      return RaftGroup.valueOf(group.getGroupId(), next);
    });
  }

  @Override
  public void removeReplica(RemoveReplicaRequest request, StreamObserver<MembershipResponse> out) {
    membership(out, () -> {
      RaftGroup group = groups.division(request.getShardId()).getGroup();
      RaftPeerId goneId = RaftPeerId.valueOf(request.getPeerId());
      if (goneId.toString().equals(nodeId)) {
        return dropLeftoverCopy(request.getShardId(), group);
      }
      RaftPeer gone = group.getPeer(goneId);
      if (gone == null) {
        return group;
      }
      if (group.getPeers().size() <= 1) {
        throw new ShardliteException(ErrorCode.MEMBERSHIP_REFUSED,
            "shard " + request.getShardId() + " has a single replica; removing it would lose the shard");
      }
      List<RaftPeer> next = group.getPeers().stream().filter(p -> !p.getId().equals(goneId)).toList();
      try (RaftClient client = groups.adminClient(group.getGroupId(), new ArrayList<>(group.getPeers()))) {
        check(client.admin().setConfiguration(next), "set configuration");
        try {
          check(client.getGroupManagementApi(goneId).remove(group.getGroupId(), true, false), "remove group on " + goneId);
        } catch (IOException e) {
          // The member is out of the group already; its leftover directory is harmless.
          LOG.warn("shard {}: removed {} from the group but could not delete its copy: {}",
              request.getShardId(), goneId, e.toString());
        }
      }
      LOG.info("shard {}: removed replica {}", request.getShardId(), goneId);
      return RaftGroup.valueOf(group.getGroupId(), next);
    });
  }

  /**
   * RemoveReplica asked of the replica itself: deletes a leftover copy, one that is not a member of
   * the group by its leader's configuration (left by an add that was interrupted, or by a remove
   * while this server was down). A member is never dropped this way: the group's leader is asked
   * first, and without an answer nothing changes.
   */
  private RaftGroup dropLeftoverCopy(int shard, RaftGroup local) throws IOException {
    RaftServer.Division d = groups.division(shard);
    RaftPeerId self = RaftPeerId.valueOf(nodeId);
    if (d.getInfo().isLeader()) {
      throw new ShardliteException(ErrorCode.MEMBERSHIP_REFUSED, "shard " + shard + ": " + nodeId
          + " leads the group; remove it through another member after moving leadership");
    }
    List<RaftPeer> others = local.getPeers().stream().filter(p -> !p.getId().equals(self)).toList();
    if (!others.isEmpty()) {
      RaftGroup leaderView = null;
      try (RaftClient client = groups.adminClient(local.getGroupId(), new ArrayList<>(others))) {
        for (RaftPeer p : others) {
          try {
            GroupInfoReply info = client.getGroupManagementApi(p.getId()).info(local.getGroupId());
            if (info.isSuccess() && info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER) {
              leaderView = info.getGroup();
              break;
            }
          } catch (IOException unreachable) {
            // ask the next one
          }
        }
      }
      if (leaderView == null) {
        throw new ShardliteException(ErrorCode.UNAVAILABLE, "shard " + shard + ": no leader among " + others
            + " confirms that " + nodeId + " is not a member; its copy is kept");
      }
      if (leaderView.getPeer(self) != null) {
        throw new ShardliteException(ErrorCode.MEMBERSHIP_REFUSED, "shard " + shard + ": " + nodeId
            + " is a member by the leader's configuration; remove it through the leader");
      }
    }
    groups.removeLocal(shard);
    LOG.info("shard {}: dropped the leftover copy on {} (not a member)", shard, nodeId);
    return RaftGroup.valueOf(local.getGroupId(), others);
  }

  @Override
  public void transferLeadership(TransferLeadershipRequest request, StreamObserver<MembershipResponse> out) {
    membership(out, () -> {
      RaftGroup group = groups.division(request.getShardId()).getGroup();
      RaftPeerId target = RaftPeerId.valueOf(request.getPeerId());
      if (group.getPeer(target) == null) {
        throw new ShardliteException(ErrorCode.MALFORMED_REQUEST,
            request.getPeerId() + " is not a member of shard " + request.getShardId());
      }
      // Leaders follow priorities in Ratis: make the target the single preferred peer, then move.
      List<RaftPeer> next = group.getPeers().stream()
          .map(p -> RaftPeer.newBuilder(p).setPriority(p.getId().equals(target) ? 1 : 0).build())
          .toList();
      long timeout = request.getTimeoutMillis() > 0 ? request.getTimeoutMillis() : 10_000;
      try (RaftClient client = groups.adminClient(group.getGroupId(), new ArrayList<>(group.getPeers()))) {
        check(client.admin().setConfiguration(next), "set priorities");
        check(client.admin().transferLeadership(target, timeout), "transfer leadership");
      }
      return RaftGroup.valueOf(group.getGroupId(), next);
    });
  }

  @Override
  public void dump(DumpRequest request, StreamObserver<DumpResponse> out) {
    DumpResponse response;
    try {
      ShardDatabase.Dump d = groups.stateMachine(request.getShardId()).dump(request.getIncludeText());
      response = DumpResponse.newBuilder()
          .setAppliedIndex(d.appliedIndex())
          .setSha256(d.sha256())
          .setRowCount(d.rowCount())
          .setText(d.text())
          .build();
    } catch (ShardliteException e) {
      response = DumpResponse.newBuilder().setError(e.toProto()).build();
    }
    out.onNext(response);
    out.onCompleted();
  }

  private void membership(StreamObserver<MembershipResponse> out, MembershipChange change) {
    blocking.execute(() -> {
      MembershipResponse response;
      try {
        RaftGroup after = change.apply();
        RaftGroupId gid = after.getGroupId();
        String leader = "";
        try {
          RaftPeerId l = groups.division(groups.shardOf(gid).orElseThrow()).getInfo().getLeaderId();
          leader = l == null ? "" : l.toString();
        } catch (RuntimeException notLocalAnyMore) {
          // this server may have just left the group
        }
        response = MembershipResponse.newBuilder().addAllPeers(toProto(after.getPeers())).setLeaderId(leader).build();
      } catch (ShardliteException e) {
        response = MembershipResponse.newBuilder().setError(e.toProto()).build();
      } catch (Exception e) {
        response = MembershipResponse.newBuilder().setError(RaftErrors.toShardlite(e, "membership change").toProto()).build();
      }
      out.onNext(response);
      out.onCompleted();
    });
  }

  private static void check(RaftClientReply reply, String what) throws IOException {
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException(what + " failed");
    }
  }

  private static List<Peer> toProto(java.util.Collection<RaftPeer> peers) {
    return peers.stream()
        .map(p -> Peer.newBuilder().setId(p.getId().toString()).setAddress(p.getAddress()).build())
        .sorted(java.util.Comparator.comparing(Peer::getId))
        .toList();
  }

  @FunctionalInterface
  private interface MembershipChange {
    RaftGroup apply() throws Exception;
  }
}
