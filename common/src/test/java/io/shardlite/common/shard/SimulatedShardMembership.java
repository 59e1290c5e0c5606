package io.shardlite.common.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.placement.HostedGroup;
import io.shardlite.proto.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Shard groups on simulated servers behind the {@link ShardMembership} interface, with the
 * behaviour of the real admin API that matters to the rebalancer (adds are idempotent, a removed
 * member deletes its copy if its server is up, leadership moves on request) and injectable faults
 * (unreachable servers, failing calls, slow catch-up). It asserts the safety rules on every change:
 * never fewer than RF members, never a leader removed, never a member's copy dropped.
 */
final class SimulatedShardMembership implements ShardMembership {
  private final int rf;
  final Map<Integer, TreeSet<String>> members = new TreeMap<>();
  final Map<Integer, String> leaders = new TreeMap<>();
  /** Copies per server: shard ids hosted (members and leftovers). */
  final Map<String, Set<Integer>> copies = new TreeMap<>();
  /** (shard/node) -> listGroups calls before the copy reports itself caught up. */
  final Map<String, Integer> catchUpPolls = new HashMap<>();
  final Set<String> down = new HashSet<>();
  /** Fails the next call that matches (then forgets it), applying the change first if {@code applyFirst}. */
  Predicate<String> failNext = c -> false;
  boolean applyBeforeFailing;
  int slowCatchUpPolls;
  int changes;

  SimulatedShardMembership(Map<Integer, List<String>> placement, int rf, List<String> servers) {
    this.rf = rf;
    servers.forEach(s -> copies.put(s, new TreeSet<>()));
    placement.forEach((shard, list) -> {
      members.put(shard, new TreeSet<>(list));
      leaders.put(shard, list.get(0));
      list.forEach(n -> copies.get(n).add(shard));
    });
  }

  @Override
  public synchronized List<HostedGroup> listGroups(String node) {
    reachable(node, "list");
    // a leader whose server is down is replaced by an election among the members that are up
    leaders.replaceAll((shard, leader) -> !down.contains(leader) ? leader
        : members.get(shard).stream().filter(m -> !down.contains(m)).findFirst().orElse(leader));
    List<HostedGroup> out = new ArrayList<>();
    for (int shard : copies.get(node)) {
      boolean member = members.get(shard).contains(node);
      String key = shard + "/" + node;
      int polls = catchUpPolls.getOrDefault(key, 0);
      if (polls > 0) {
        catchUpPolls.put(key, polls - 1);
      }
      long commit = 100;
      long applied = polls > 0 ? 0 : commit;
      String role = node.equals(leaders.get(shard)) ? "LEADER" : "FOLLOWER";
      out.add(new HostedGroup(shard, role, member ? leaders.get(shard) : "", 1, applied, commit,
          member ? List.copyOf(members.get(shard)) : List.of()));
    }
    return out;
  }

  @Override
  public synchronized List<String> addReplica(String via, int shard, String newMember) {
    reachable(via, "add");
    reachable(newMember, "add");
    TreeSet<String> m = members.get(shard);
    assertThat(m).as("add through a member of shard %d", shard).contains(via);
    boolean fail = failNext.test("add " + shard + " " + newMember);
    if (fail && !applyBeforeFailing) {
      failNext = c -> false;
      throw new ShardliteException(ErrorCode.TIMEOUT, "simulated: add timed out");
    }
    if (m.add(newMember)) {
      assertThat(m.size()).as("members of shard %d after adding %s", shard, newMember).isLessThanOrEqualTo(rf + 1);
      copies.get(newMember).add(shard);
      catchUpPolls.put(shard + "/" + newMember, slowCatchUpPolls);
      changes++;
    }
    if (fail) {
      failNext = c -> false;
      throw new ShardliteException(ErrorCode.TIMEOUT, "simulated: add timed out after it applied");
    }
    return List.copyOf(m);
  }

  @Override
  public synchronized List<String> removeReplica(String via, int shard, String member) {
    reachable(via, "remove");
    TreeSet<String> m = members.get(shard);
    assertThat(m).as("remove through a member of shard %d", shard).contains(via);
    assertThat(via).as("remove %s through another member", member).isNotEqualTo(member);
    if (failNext.test("remove " + shard + " " + member)) {
      failNext = c -> false;
      throw new ShardliteException(ErrorCode.UNAVAILABLE, "simulated: remove failed");
    }
    if (m.contains(member)) {
      assertThat(leaders.get(shard)).as("leadership moved off %s before its removal", member).isNotEqualTo(member);
      // below RF only when the member removed holds nothing (its copy is gone while its server is up)
      boolean copyGone = !down.contains(member) && !copies.get(member).contains(shard);
      assertThat(m.size() - 1).as("members of shard %d after removing %s", shard, member)
          .isGreaterThanOrEqualTo(copyGone ? rf - 1 : rf);
      for (String other : m) {
        if (!other.equals(member)) {
          assertThat(catchUpPolls.getOrDefault(shard + "/" + other, 0)).as("%s caught up before removing %s", other,
              member).isZero();
        }
      }
      m.remove(member);
      if (!down.contains(member)) {
        copies.get(member).remove(shard);
      }
      changes++;
    }
    return List.copyOf(m);
  }

  @Override
  public synchronized void transferLeadership(String via, int shard, String newLeader) {
    reachable(via, "transfer");
    reachable(newLeader, "transfer");
    assertThat(members.get(shard)).contains(newLeader);
    leaders.put(shard, newLeader);
  }

  @Override
  public synchronized void dropLeftoverCopy(String node, int shard) {
    reachable(node, "drop");
    assertThat(members.get(shard)).as("dropping a copy that is a member").doesNotContain(node);
    copies.get(node).remove(shard);
  }

  @Override
  public void close() {}

  /** Member counts per server. */
  synchronized Map<String, Integer> counts() {
    Map<String, Integer> c = new TreeMap<>();
    copies.keySet().forEach(n -> c.put(n, 0));
    members.values().forEach(m -> m.forEach(n -> c.merge(n, 1, Integer::sum)));
    return c;
  }

  private void reachable(String node, String what) {
    if (!copies.containsKey(node)) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "no address for shard server '" + node + "'");
    }
    if (down.contains(node)) {
      throw new ShardliteException(ErrorCode.UNAVAILABLE, "simulated: " + node + " is down (" + what + ")");
    }
  }
}
