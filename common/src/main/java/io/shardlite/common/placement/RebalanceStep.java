package io.shardlite.common.placement;

/**
 * One membership action on one shard group, as planned by {@link RebalancePlanner} (at most one per
 * group per round). The executor runs a {@link MoveReplica} as one unit: add the new member, wait
 * until it caught up, move leadership off the old member if it leads, remove the old member. When
 * that is interrupted (a crash, a timeout), the next observation shows the group mid-way (RF+1
 * members) and the planner finishes it with a {@link RemoveReplica}; every step is derived from the
 * observed state alone.
 */
public sealed interface RebalanceStep {
  int shard();

  /** One line for logs and status. */
  String describe();

  /**
   * Move a replica: add a member on {@code to}; once it caught up, move leadership to {@code
   * handOffTo} if {@code from} leads, then remove {@code from}.
   */
  record MoveReplica(int shard, String from, String to, String handOffTo, String reason) implements RebalanceStep {
    @Override
    public String describe() {
      return "shard " + shard + ": move a replica from " + from + " to " + to + " (" + reason + ")";
    }
  }

  /** Add a member on {@code node} (the group has fewer than RF members). */
  record AddReplica(int shard, String node, String reason) implements RebalanceStep {
    @Override
    public String describe() {
      return "shard " + shard + ": add a replica on " + node + " (" + reason + ")";
    }
  }

  /**
   * Remove the member on {@code node} (the group has more than RF members, all others caught up);
   * if it leads, leadership moves to {@code handOffTo} first.
   */
  record RemoveReplica(int shard, String node, String handOffTo, String reason) implements RebalanceStep {
    @Override
    public String describe() {
      return "shard " + shard + ": remove the replica on " + node + " (" + reason + ")";
    }
  }

  /**
   * Replace the member on {@code node} whose copy is gone (its server answers without hosting the
   * group: its volume was replaced). Raft forbids a member that lost its log from voting, so it is
   * removed from the group first and then added back empty, as a new member that votes only once
   * caught up. The group is one configured member short in between, but that member held nothing:
   * the live members needed for a majority are the same before and after.
   */
  record ReplaceLostReplica(int shard, String node) implements RebalanceStep {
    @Override
    public String describe() {
      return "shard " + shard + ": replace the lost copy on " + node + " (remove it, then add it back empty)";
    }
  }

  /** Delete the leftover copy of the group on {@code node}, which is not a member. */
  record DropLeftoverCopy(int shard, String node) implements RebalanceStep {
    @Override
    public String describe() {
      return "shard " + shard + ": drop the leftover copy on " + node + " (not a member)";
    }
  }
}
