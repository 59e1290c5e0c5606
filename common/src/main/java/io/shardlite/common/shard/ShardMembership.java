package io.shardlite.common.shard;

import io.shardlite.common.placement.HostedGroup;
import java.util.List;

/**
 * The membership operations a rebalance needs, on shard servers named by node id. Failures are
 * {@link io.shardlite.common.error.ShardliteException}s: {@code UNAVAILABLE} or {@code TIMEOUT}
 * (retryable) when a server does not answer in time, {@code MEMBERSHIP_REFUSED} when a server
 * refuses the change, {@code UNKNOWN_SHARD} when it does not host the group, {@code
 * MALFORMED_REQUEST} for a node id it has no address for. {@link GrpcShardMembership} is the real
 * one; tests use a simulated one.
 */
public interface ShardMembership extends AutoCloseable {
  /** The shard groups {@code node} hosts, with role, leader, indexes and members as it sees them. */
  List<HostedGroup> listGroups(String node);

  /**
   * Adds a member on {@code newMember} to the shard's group, asking {@code via} (the leader). Returns
   * when the configuration with the new member is committed (Ratis stages the member until it
   * caught up to within its catch-up gap). Idempotent: a member already there is not added again.
   *
   * @return the members after the change
   */
  List<String> addReplica(String via, int shard, String newMember);

  /**
   * Removes {@code member} from the shard's group, asking {@code via} (the leader, not the member);
   * the removed server deletes its copy. Idempotent.
   *
   * @return the members after the change
   */
  List<String> removeReplica(String via, int shard, String member);

  /** Makes {@code newLeader} the group's leader, asking {@code via} (a member, ideally the leader). */
  void transferLeadership(String via, int shard, String newLeader);

  /** Deletes the copy of the group on {@code node}, which must not be a member (its server checks with the leader). */
  void dropLeftoverCopy(String node, int shard);

  @Override
  void close();
}
