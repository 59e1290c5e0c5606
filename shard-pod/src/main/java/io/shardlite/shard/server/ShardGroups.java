package io.shardlite.shard.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.placement.ShardGroupIds;
import io.shardlite.proto.ErrorCode;
import io.shardlite.shard.state.ShardStateMachine;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The shard groups of one server: shard id to Raft group id (a stable function of the cluster name
 * and shard id), the local divisions, and cached Raft clients (one per group and membership).
 */
final class ShardGroups implements AutoCloseable {
  private final Map<RaftGroupId, Integer> shardByGroup = new HashMap<>();
  /** Group ids by shard, computed once (a name-based UUID costs an MD5). */
  private final RaftGroupId[] groupIds;
  /** One client per group, for the membership it was built with. */
  private final Map<RaftGroupId, MemberClient> clients = new ConcurrentHashMap<>();
  private final RaftProperties clientProperties = new RaftProperties();
  private volatile RaftServer server;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong localCallIds = new AtomicLong();

  ShardGroups(String clusterName, int shards, int maxMessageBytes) {
    this.groupIds = new RaftGroupId[shards];
    for (int s = 0; s < shards; s++) {
      groupIds[s] = RaftGroupId.valueOf(ShardGroupIds.groupUuid(clusterName, s));
      shardByGroup.put(groupIds[s], s);
    }
    RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(clientProperties, 1024);
    GrpcConfigKeys.setMessageSizeMax(clientProperties, SizeInBytes.valueOf(maxMessageBytes));
  }

  void attach(RaftServer server) {
    this.server = server;
  }

  RaftGroupId groupId(int shard) {
    return groupIds[shard];
  }

  /** The shard a group belongs to, or empty for a group of another cluster. */
  Optional<Integer> shardOf(RaftGroupId groupId) {
    return Optional.ofNullable(shardByGroup.get(groupId));
  }

  /** This server's member of the shard's group, or UNKNOWN_SHARD. */
  RaftServer.Division division(int shard) {
    if (shard < 0 || shard >= shardByGroup.size()) {
      throw new ShardliteException(ErrorCode.UNKNOWN_SHARD,
          "shard " + shard + " does not exist (the cluster has shards 0.." + (shardByGroup.size() - 1) + ")");
    }
    try {
      return server.getDivision(groupId(shard));
    } catch (IOException e) {
      throw new ShardliteException(ErrorCode.UNKNOWN_SHARD, "shard " + shard + " is not hosted by this server");
    }
  }

  ShardStateMachine stateMachine(int shard) {
    return (ShardStateMachine) division(shard).getStateMachine();
  }

  /** Shard ids with a member on this server, ascending. */
  List<Integer> localShards() {
    return java.util.stream.StreamSupport.stream(server.getGroupIds().spliterator(), false)
        .map(this::shardOf)
        .flatMap(Optional::stream)
        .sorted()
        .toList();
  }

  /**
   * Appends a write straight to this server's member when it leads the group (no client hop over
   * gRPC to itself: on a small machine every hop costs CPU); empty when it does not lead, and then
   * the caller goes through {@link #client}. A reply that says the leader changed or is not ready
   * yet means nothing was appended, so sending it again through the client is safe.
   */
  Optional<CompletableFuture<RaftClientReply>> submitIfLeader(int shard, Message message) {
    return submitIfLeader(shard, message, RaftClientRequest.writeRequestType());
  }

  /**
   * {@link #submitIfLeader(int, Message)} for a linearizable read: the member runs it as a read
   * from a remote client (read index, then the query once applied up to it), without the hop.
   */
  Optional<CompletableFuture<RaftClientReply>> readIfLeader(int shard, Message query) {
    return submitIfLeader(shard, query, RaftClientRequest.readRequestType());
  }

  private Optional<CompletableFuture<RaftClientReply>> submitIfLeader(int shard, Message message,
      RaftClientRequest.Type type) {
    RaftServer.Division d = division(shard);
    if (!d.getInfo().isLeader() || !d.getInfo().isLeaderReady()) {
      return Optional.empty();
    }
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(localClientId)
        .setServerId(server.getId())
        .setGroupId(groupId(shard))
        .setCallId(localCallIds.incrementAndGet())
        .setMessage(message)
        .setType(type)
        .build();
    try {
      return Optional.of(server.submitClientRequestAsync(request));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A client for the shard's group as this server currently sees its membership. */
  RaftClient client(int shard) {
    RaftServer.Division d = division(shard);
    if (d.getGroup().getPeers().isEmpty()) {
      // A replica being added starts with an empty configuration until the leader reaches it.
      throw new ShardliteException(ErrorCode.UNAVAILABLE,
          "shard " + shard + " is still joining its group on this server; ask another replica");
    }
    // Hot path: the configuration object only changes when the membership (or priorities) change.
    Object conf = d.getRaftConf();
    MemberClient cached = clients.get(groupId(shard));
    if (cached != null && cached.conf() == conf) {
      return cached.client();
    }
    return client(d.getGroup(), conf);
  }

  private record MemberClient(Object conf, String members, RaftClient client) {}

  /** The group's client; rebuilt (and the old one closed) when the membership changed. */
  private RaftClient client(RaftGroup group, Object conf) {
    String members = group.getPeers().stream().map(p -> p.getId() + "@" + p.getAddress()).sorted().toList().toString();
    MemberClient[] replaced = new MemberClient[1];
    MemberClient current = clients.compute(group.getGroupId(), (gid, old) -> {
      if (old != null && old.members().equals(members)) {
        return new MemberClient(conf, members, old.client());
      }
      replaced[0] = old;
      return new MemberClient(conf, members, RaftClient.newBuilder()
          .setProperties(clientProperties)
          .setRaftGroup(group)
          .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(50,
              TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
          .build());
    });
    if (replaced[0] != null) {
      closeQuietly(replaced[0].client());
    }
    return current.client();
  }

  /**
   * Drops a client whose ordered-async window Ratis closed after a retry failure: it would fail
   * every later request. The next request builds a fresh one.
   */
  void evictIfBroken(RaftClient client, Throwable failure) {
    boolean broken = false;
    for (Throwable e = failure; e != null && !broken; e = e.getCause()) {
      broken = e instanceof org.apache.ratis.protocol.exceptions.RaftRetryFailureException
          || e instanceof org.apache.ratis.protocol.exceptions.AlreadyClosedException
          || (e.getMessage() != null && e.getMessage().contains("is closed"));
    }
    if (broken && clients.values().removeIf(c -> c.client() == client)) {
      closeQuietly(client);
    }
  }

  /**
   * Deletes this server's copy of the shard's group (its Raft storage and SQLite file). Only for a
   * copy that is not a member of the group any more; the caller checks that.
   */
  void removeLocal(int shard) throws IOException {
    RaftGroupId gid = groupId(shard);
    org.apache.ratis.protocol.RaftClientReply reply = server.groupManagement(
        org.apache.ratis.protocol.GroupManagementRequest.newRemove(org.apache.ratis.protocol.ClientId.randomId(),
            server.getId(), 0, gid, true, false));
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException("removing group " + gid + " failed");
    }
  }

  /** A short-lived client for membership operations that reach peers outside the current group. */
  RaftClient adminClient(RaftGroupId groupId, List<RaftPeer> peers) {
    RaftClient.Builder b = RaftClient.newBuilder()
        .setProperties(clientProperties)
        .setRaftGroup(RaftGroup.valueOf(groupId, peers))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)));
    // Ask the leader this server knows first: a member whose copy is gone answers "group not
    // found", which the client does not retry elsewhere.
    try {
      RaftPeerId leader = server.getDivision(groupId).getInfo().getLeaderId();
      if (leader != null && peers.stream().anyMatch(p -> p.getId().equals(leader))) {
        b.setLeaderId(leader);
      }
    } catch (IOException notHosted) {
      // no hint: the client tries the peers in order
    }
    return b.build();
  }

  @Override
  public void close() {
    clients.values().forEach(c -> closeQuietly(c.client()));
    clients.clear();
  }

  private static void closeQuietly(RaftClient client) {
    try {
      client.close();
    } catch (IOException ignored) {
      // replaced or shutting down
    }
  }
}
