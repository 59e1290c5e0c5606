package io.shardlite.common.placement;

import java.util.List;

/**
 * What one node reports about its member of one shard group (the admin API's {@code GroupStatus},
 * reduced to what placement needs).
 *
 * @param shard the shard id
 * @param role LEADER, FOLLOWER, CANDIDATE or LISTENER
 * @param leader the leader this member knows, or empty
 * @param term the member's current term
 * @param appliedIndex last log index applied by this member
 * @param commitIndex last log index this member knows committed
 * @param members node ids of the group's configuration as this member sees it
 */
public record HostedGroup(int shard, String role, String leader, long term, long appliedIndex, long commitIndex,
    List<String> members) {
  public HostedGroup {
    leader = leader == null ? "" : leader;
    members = List.copyOf(members);
  }

  public boolean isLeader() {
    return "LEADER".equals(role);
  }
}
