package io.shardlite.common.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Shard groups as plain data for planner tests: applying a step checks it is legal (the safety
 * rules the planner promises) and changes the membership the way the admin API would. A new member
 * lags for a few rounds, as a real one catches up.
 */
final class SimulatedLayout {
  final int rf;
  final Map<Integer, TreeSet<String>> members = new TreeMap<>();
  final Map<Integer, String> leaders = new TreeMap<>();
  /** Rounds each (shard, node) member still needs to catch up. */
  final Map<String, Integer> catchingUp = new HashMap<>();
  final Map<Integer, Set<String>> strays = new TreeMap<>();
  final Set<String> reachable = new HashSet<>();
  /** (shard, node) members whose copy is gone: listed in the configuration, hosting nothing. */
  final Set<String> lost = new HashSet<>();
  int adds;
  int removes;

  SimulatedLayout(Map<Integer, List<String>> placement, int rf, List<String> nodes) {
    this.rf = rf;
    placement.forEach((shard, list) -> {
      members.put(shard, new TreeSet<>(list));
      leaders.put(shard, list.get(0));
      strays.put(shard, new HashSet<>());
    });
    reachable.addAll(nodes);
  }

  ClusterObservation observe() {
    Map<Integer, GroupObservation> groups = new TreeMap<>();
    members.forEach((shard, m) -> {
      Set<String> lagging = new HashSet<>();
      Set<String> unreported = new HashSet<>();
      for (String n : m) {
        if (catchingUp.getOrDefault(key(shard, n), 0) > 0) {
          lagging.add(n);
        }
        if (lost.contains(key(shard, n))) {
          lagging.add(n);
          unreported.add(n);
        }
      }
      groups.put(shard, new GroupObservation(shard, List.copyOf(m), leaders.get(shard), lagging, unreported,
          strays.get(shard)));
    });
    return new ClusterObservation(members.size(), groups, reachable);
  }

  /**
   * Runs one step as the executor would, asserting the planner's safety promises at each action.
   * With a random source, a new member may take rounds to catch up and a move may stop after its
   * add (the executor's wait timed out, or it crashed); without, every step completes.
   */
  void apply(RebalanceStep step, Random random) {
    int shard = step.shard();
    if (step instanceof RebalanceStep.MoveReplica move) {
      assertThat(members.get(shard)).as("%s", step).contains(move.from()).hasSize(rf);
      add(shard, move.to(), random);
      boolean interrupted = random != null && random.nextInt(4) == 0;
      if (catchingUp.getOrDefault(key(shard, move.to()), 0) > 0 || interrupted) {
        return;
      }
      remove(shard, move.from(), move.handOffTo());
    } else if (step instanceof RebalanceStep.AddReplica add) {
      assertThat(members.get(shard).size()).as("members before %s", step).isLessThan(rf);
      add(shard, add.node(), random);
    } else if (step instanceof RebalanceStep.RemoveReplica r) {
      assertThat(members.get(shard).size()).as("members before %s", step).isGreaterThan(rf);
      remove(shard, r.node(), r.handOffTo());
    } else if (step instanceof RebalanceStep.ReplaceLostReplica r) {
      TreeSet<String> m = members.get(shard);
      assertThat(lost).as("%s", step).contains(key(shard, r.node()));
      assertThat(leaders.get(shard)).as("%s", step).isNotEqualTo(r.node());
      for (String other : m) {
        if (!other.equals(r.node())) {
          assertThat(catchingUp.getOrDefault(key(shard, other), 0)).as("%s caught up before %s", other, step).isZero();
          assertThat(lost).as("%s has its copy before %s", other, step).doesNotContain(key(shard, other));
        }
      }
      m.remove(r.node());
      lost.remove(key(shard, r.node()));
      removes++;
      add(shard, r.node(), random);
    } else if (step instanceof RebalanceStep.DropLeftoverCopy d) {
      assertThat(strays.get(shard)).contains(d.node());
      strays.get(shard).remove(d.node());
    }
  }

  /** The first half of a move, as left by an executor that stopped after the add. */
  void addOnly(RebalanceStep.MoveReplica move) {
    add(move.shard(), move.to(), null);
  }

  private void add(int shard, String node, Random random) {
    TreeSet<String> m = members.get(shard);
    assertThat(m).as("add on %s to shard %d", node, shard).doesNotContain(node);
    m.add(node);
    strays.get(shard).remove(node);
    catchingUp.put(key(shard, node), random == null ? 0 : random.nextInt(3));
    adds++;
  }

  private void remove(int shard, String node, String handOffTo) {
    TreeSet<String> m = members.get(shard);
    assertThat(m).as("remove %s from shard %d", node, shard).contains(node);
    if (leaders.get(shard).equals(node)) {
      assertThat(handOffTo).as("hand-off target of shard %d", shard).isNotEqualTo(node).isIn(m);
      assertThat(catchingUp.getOrDefault(key(shard, handOffTo), 0)).as("new leader caught up").isZero();
      assertThat(lost).as("new leader of shard %d has its copy", shard).doesNotContain(key(shard, handOffTo));
      leaders.put(shard, handOffTo);
    }
    assertThat(m.size() - 1).as("members of shard %d after removing %s", shard, node).isGreaterThanOrEqualTo(rf);
    for (String other : m) {
      if (!other.equals(node)) {
        assertThat(catchingUp.getOrDefault(key(shard, other), 0)).as("%s caught up before removing %s", other, node)
            .isZero();
        assertThat(lost).as("%s has its copy before removing %s", other, node).doesNotContain(key(shard, other));
      }
    }
    m.remove(node);
    catchingUp.remove(key(shard, node));
    lost.remove(key(shard, node));
    removes++;
  }

  /** One round passes: members catch up a bit. */
  void tick() {
    catchingUp.replaceAll((k, v) -> Math.max(0, v - 1));
  }

  boolean anyCatchingUp() {
    return catchingUp.values().stream().anyMatch(v -> v > 0);
  }

  /** A random election among caught-up members of one group. */
  void randomElection(Random random) {
    List<Integer> shards = new ArrayList<>(members.keySet());
    int shard = shards.get(random.nextInt(shards.size()));
    List<String> candidates = members.get(shard).stream()
        .filter(n -> catchingUp.getOrDefault(key(shard, n), 0) == 0 && !lost.contains(key(shard, n))).toList();
    leaders.put(shard, candidates.get(random.nextInt(candidates.size())));
  }

  Map<String, Integer> counts() {
    Map<String, Integer> c = new TreeMap<>();
    members.values().forEach(m -> m.forEach(n -> c.merge(n, 1, Integer::sum)));
    return c;
  }

  private static String key(int shard, String node) {
    return shard + "/" + node;
  }
}
