package io.shardlite.common.shard;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.placement.HostedGroup;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.MembershipResponse;
import io.shardlite.proto.Peer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ShardMembership} over the shard servers' {@code ShardAdmin} gRPC API. Every call has a
 * deadline: {@code callTimeout} for listings, leadership transfers and dropping leftover copies,
 * {@code membershipTimeout} for adds and removes (an add waits until the new member caught up, by
 * log or snapshot). One channel per server, opened on first use.
 */
public final class GrpcShardMembership implements ShardMembership {
  private final Map<String, ShardServerAddress> servers = new LinkedHashMap<>();
  private final Duration callTimeout;
  private final Duration membershipTimeout;
  private final Map<String, ShardNodeClient> clients = new ConcurrentHashMap<>();

  public GrpcShardMembership(Collection<ShardServerAddress> servers, Duration callTimeout, Duration membershipTimeout) {
    for (ShardServerAddress s : servers) {
      if (this.servers.put(s.id(), s) != null) {
        throw new IllegalArgumentException("shard server " + s.id() + " is listed twice");
      }
    }
    if (callTimeout.isNegative() || callTimeout.isZero() || membershipTimeout.isNegative() || membershipTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    this.callTimeout = callTimeout;
    this.membershipTimeout = membershipTimeout;
  }

  /** The servers this instance knows, in the order given. */
  public List<String> nodes() {
    return List.copyOf(servers.keySet());
  }

  @Override
  public List<HostedGroup> listGroups(String node) {
    List<HostedGroup> out = new ArrayList<>();
    for (GroupStatus g : on(node, ShardNodeClient::listGroups).getGroupsList()) {
      out.add(new HostedGroup(g.getShardId(), g.getRole(), g.getLeaderId(), g.getTerm(), g.getAppliedIndex(),
          g.getCommitIndex(), g.getPeersList().stream().map(Peer::getId).toList()));
    }
    return out;
  }

  @Override
  public List<String> addReplica(String via, int shard, String newMember) {
    String raftAddress = address(newMember).raftAddress();
    return members(on(via, c -> c.addReplica(shard, newMember, raftAddress, membershipTimeout)));
  }

  @Override
  public List<String> removeReplica(String via, int shard, String member) {
    if (via.equals(member)) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST,
          "remove " + member + " from shard " + shard + " through another member, not itself");
    }
    return members(on(via, c -> c.removeReplica(shard, member, membershipTimeout)));
  }

  @Override
  public void transferLeadership(String via, int shard, String newLeader) {
    members(on(via, c -> c.transferLeadership(shard, newLeader, callTimeout)));
  }

  @Override
  public void dropLeftoverCopy(String node, int shard) {
    // RemoveReplica asked of the server itself, naming itself: it drops a copy the leader does not count
    members(on(node, c -> c.removeReplica(shard, node, callTimeout)));
  }

  private static List<String> members(MembershipResponse r) {
    if (r.hasError()) {
      throw ShardliteException.fromProto(r.getError());
    }
    return r.getPeersList().stream().map(Peer::getId).toList();
  }

  private ShardServerAddress address(String node) {
    ShardServerAddress a = servers.get(node);
    if (a == null) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST,
          "no address for shard server '" + node + "' (known: " + servers.keySet() + ")");
    }
    return a;
  }

  private ShardNodeClient client(String node) {
    ShardServerAddress a = address(node);
    return clients.computeIfAbsent(node, n -> new ShardNodeClient(a.grpcHost(), a.grpcPort(), callTimeout));
  }

  /**
   * Runs a call on a server's client. A server that did not answer gets a fresh channel next time:
   * gRPC backs off reconnecting for up to two minutes, longer than a pod takes to restart.
   */
  private <T> T on(String node, java.util.function.Function<ShardNodeClient, T> call) {
    ShardNodeClient c = client(node);
    try {
      return call.apply(c);
    } catch (ShardliteException e) {
      if (e.code() == ErrorCode.UNAVAILABLE && clients.remove(node, c)) {
        c.close();
      }
      throw e;
    }
  }

  @Override
  public void close() {
    clients.values().forEach(ShardNodeClient::close);
    clients.clear();
  }
}
