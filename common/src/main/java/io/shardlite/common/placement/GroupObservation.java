package io.shardlite.common.placement;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One shard group as observed: its configuration as the leader sees it, the leader, which members
 * are not caught up (behind the leader, or not answering), and which nodes hold a copy of the
 * group without being members (left over from an interrupted add or a remove whose node was down).
 *
 * @param shard the shard id
 * @param members node ids in the leader's configuration, sorted
 * @param leader the leader's node id, or null when the group has no known leader (then members is
 *     the union of what the answering members report)
 * @param lagging members that are not caught up, including the unreported ones
 * @param unreported members whose node did not report the group (node down, or its copy is gone)
 * @param strays nodes hosting a copy that is not a member
 */
public record GroupObservation(int shard, List<String> members, String leader, Set<String> lagging,
    Set<String> unreported, Set<String> strays) {
  public GroupObservation {
    if (shard < 0) {
      throw new IllegalArgumentException("shard must be >= 0, got " + shard);
    }
    members = List.copyOf(new TreeSet<>(members));
    lagging = Set.copyOf(lagging);
    unreported = Set.copyOf(unreported);
    strays = Set.copyOf(strays);
    if (leader != null && !members.contains(leader)) {
      throw new IllegalArgumentException("shard " + shard + ": leader " + leader + " is not a member of " + members);
    }
    if (!members.containsAll(lagging)) {
      throw new IllegalArgumentException("shard " + shard + ": lagging " + lagging + " are not all members of " + members);
    }
    if (!lagging.containsAll(unreported)) {
      throw new IllegalArgumentException("shard " + shard + ": unreported " + unreported + " must also be lagging "
          + lagging);
    }
    for (String s : strays) {
      if (members.contains(s)) {
        throw new IllegalArgumentException("shard " + shard + ": stray " + s + " is a member");
      }
    }
  }

  /** A healthy group with these members, all caught up. */
  public static GroupObservation healthy(int shard, List<String> members, String leader) {
    return new GroupObservation(shard, members, leader, Set.of(), Set.of(), Set.of());
  }

  public boolean hasLeader() {
    return leader != null;
  }

  /** A leader and every member caught up: safe to start a move. */
  public boolean isHealthy() {
    return leader != null && lagging.isEmpty();
  }
}
