package io.shardlite.common.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Plans replica moves between shard servers: pure and deterministic (same observation and target,
 * same plan). Called once per round with a fresh observation; it keeps no state, so a round that
 * failed or a planner that crashed mid-move is simply continued from what the next observation
 * shows.
 *
 * <p>Rules, in the order they are applied each round:
 *
 * <ol>
 *   <li><b>Finish moves found mid-way.</b> A group with more than RF members (an add happened, its
 *       remove not: the executor was interrupted) loses one member, chosen in this order: a member
 *       on a node outside the target (unknown nodes, then leaving nodes highest ordinal first), a
 *       member whose node does not report the group, the member on the most loaded target node, a
 *       non-leader, the highest ordinal. Only when every remaining member is caught up, so RF
 *       caught-up replicas remain.
 *   <li><b>Repair.</b> A group with fewer than RF members gets a member on the least loaded
 *       reachable target node. A member on a target node that answers but no longer hosts the group
 *       (its copy is gone, e.g. a replaced volume) is removed and added back empty (a member that
 *       lost its log must not vote), once every other member is caught up.
 *   <li><b>Drain.</b> Members on nodes outside the target move to target nodes, unknown nodes
 *       first, then leaving nodes highest ordinal first. Destinations come from a maximum flow that
 *       fills every target node up to its balanced share and no further, so draining creates no
 *       imbalance that would cost extra moves later.
 *   <li><b>Balance</b> (only once nothing remains outside the target): while two target nodes'
 *       member counts differ by two or more, a member moves from the most to the least loaded one.
 *       Such a move always exists: the fuller node hosts more groups, so at least one group is on
 *       it and not on the emptier node. Each move lowers the sum of squared counts, so balancing
 *       ends, and it moves no replica that balance does not require.
 *   <li><b>Tidy.</b> A leftover copy of a group on a node that is not a member is dropped.
 * </ol>
 *
 * <p>Safety: a move adds before it removes, and a remove needs RF caught-up members to remain, so
 * no group goes below RF members; leadership is handed to a caught-up member before its holder is
 * removed; at most one step per group per round; new moves start only while fewer than {@code
 * maxMovesInFlight} groups are mid-move; only healthy groups (a leader, every member caught up)
 * start a move, except that a drain also starts when the member leaving is the one down. A target
 * with fewer nodes than RF is refused.
 */
public final class RebalancePlanner {
  public static final int DEFAULT_MAX_MOVES_IN_FLIGHT = 2;

  private final int maxMovesInFlight;

  public RebalancePlanner() {
    this(DEFAULT_MAX_MOVES_IN_FLIGHT);
  }

  /** @param maxMovesInFlight groups that may be mid-move at once (at least 1) */
  public RebalancePlanner(int maxMovesInFlight) {
    if (maxMovesInFlight < 1) {
      throw new IllegalArgumentException("maxMovesInFlight must be >= 1, got " + maxMovesInFlight);
    }
    this.maxMovesInFlight = maxMovesInFlight;
  }

  public int maxMovesInFlight() {
    return maxMovesInFlight;
  }

  public RebalancePlan plan(ClusterObservation observed, PlacementTarget target) {
    return new Round(observed, target).plan();
  }

  /** The working state of one planning round. */
  private final class Round {
    private final ClusterObservation observed;
    private final PlacementTarget target;
    private final int rf;
    /** Position of each known node: targets 0..t-1, then leaving nodes. */
    private final Map<String, Integer> ordinal = new HashMap<>();
    /** Members per target node, updated as steps are planned (the effect of each planned move). */
    private final Map<String, Integer> load = new HashMap<>();
    private final Map<String, Integer> leaderships = new HashMap<>();
    private final Map<Integer, RebalanceStep> steps = new TreeMap<>();
    private final Map<Integer, String> blocked = new TreeMap<>();
    private int inFlight;

    Round(ClusterObservation observed, PlacementTarget target) {
      this.observed = observed;
      this.target = target;
      this.rf = target.replicationFactor();
      int i = 0;
      for (String n : target.targetNodes()) {
        ordinal.put(n, i++);
        load.put(n, 0);
      }
      for (String n : target.leavingNodes()) {
        ordinal.put(n, i++);
      }
      for (GroupObservation g : observed.groups().values()) {
        for (String m : g.members()) {
          load.computeIfPresent(m, (k, v) -> v + 1);
        }
        if (g.hasLeader()) {
          leaderships.merge(g.leader(), 1, Integer::sum);
        }
        if (g.members().size() != rf) {
          inFlight++;
        }
      }
    }

    RebalancePlan plan() {
      if (target.targetNodes().size() < rf) {
        RebalanceRefusal refusal = new RebalanceRefusal(RebalanceRefusal.TOO_FEW_NODES, "the target of "
            + target.targetNodes().size() + " shard servers " + target.targetNodes() + " cannot hold replication factor "
            + rf + ": every shard needs " + rf + " distinct servers, so removing more would break the replication"
            + " factor (and with it the quorum guarantee); nothing is moved");
        return new RebalancePlan(List.of(), progress(), Optional.of(refusal));
      }
      for (int s = 0; s < observed.shards(); s++) {
        if (!observed.groups().containsKey(s)) {
          blocked.put(s, "shard " + s + ": no server reports it");
        }
      }
      finishMovesInFlight();
      repairUnderReplicated();
      replaceLostCopies();
      drain();
      if (nothingOutsideTarget()) {
        balance();
      }
      tidyAndExplain();
      return new RebalancePlan(List.copyOf(steps.values()), progress(), Optional.empty());
    }

    private void finishMovesInFlight() {
      for (GroupObservation g : observed.groups().values()) {
        if (g.members().size() <= rf) {
          continue;
        }
        if (!g.hasLeader()) {
          blocked.put(g.shard(), "shard " + g.shard() + ": no leader, cannot finish its move");
          continue;
        }
        String victim = g.members().stream().min(removalOrder(g)).orElseThrow();
        List<String> remaining = g.members().stream().filter(m -> !m.equals(victim)).toList();
        List<String> behind = remaining.stream().filter(g.lagging()::contains).toList();
        if (!behind.isEmpty()) {
          blocked.put(g.shard(), "shard " + g.shard() + ": waiting for " + behind + " to catch up before removing "
              + victim);
          continue;
        }
        steps.put(g.shard(), new RebalanceStep.RemoveReplica(g.shard(), victim, handOff(g, victim, null),
            removalReason(g, victim)));
        load.computeIfPresent(victim, (k, v) -> v - 1);
      }
    }

    /** Which member leaves a group above RF: the smallest in this order. */
    private Comparator<String> removalOrder(GroupObservation g) {
      return Comparator
          .comparing((String m) -> target.isTarget(m))
          .thenComparing(m -> target.isTarget(m) ? 0 : -rank(m))
          .thenComparing(m -> !g.unreported().contains(m))
          .thenComparing(m -> -load.getOrDefault(m, 0))
          .thenComparing(m -> m.equals(g.leader()))
          .thenComparing(m -> -rank(m));
    }

    private String removalReason(GroupObservation g, String victim) {
      if (!target.isTarget(victim)) {
        return victim + " is leaving";
      }
      if (g.unreported().contains(victim)) {
        return victim + " does not report the group";
      }
      return g.members().size() + " members, replication factor " + rf + "; " + victim + " hosts " + load.get(victim);
    }

    /**
     * Where leadership goes if {@code leaving} leads when it is removed: a caught-up remaining
     * member on a target node, the one leading the fewest groups (then the lowest ordinal); the new
     * member {@code joining} if there is no other (replication factor 1).
     */
    private String handOff(GroupObservation g, String leaving, String joining) {
      String next = g.members().stream()
          .filter(m -> !m.equals(leaving) && !g.lagging().contains(m))
          .min(Comparator.comparing((String m) -> !target.isTarget(m))
              .thenComparing(m -> leaderships.getOrDefault(m, 0))
              .thenComparing(this::rank))
          .orElse(joining);
      if (leaving.equals(g.leader())) {
        leaderships.merge(leaving, -1, Integer::sum);
        leaderships.merge(next, 1, Integer::sum);
      }
      return next;
    }

    private void repairUnderReplicated() {
      for (GroupObservation g : observed.groups().values()) {
        if (g.members().size() >= rf) {
          continue;
        }
        if (!g.hasLeader()) {
          blocked.put(g.shard(), "shard " + g.shard() + ": " + g.members().size() + " of " + rf
              + " replicas and no leader");
          continue;
        }
        addOnBestNode(g, "below replication factor: " + g.members().size() + " of " + rf);
      }
    }

    /**
     * A member whose server answers but does not host the group lost its copy (its volume was
     * replaced): it counts toward RF but holds nothing, and must not vote again before it holds the
     * log, so it is replaced (removed, then added back empty) once every other member is caught up.
     * A server that does not answer may just be restarting: left alone. Leaving servers are drained
     * instead.
     */
    private void replaceLostCopies() {
      for (GroupObservation g : observed.groups().values()) {
        if (steps.containsKey(g.shard()) || !g.hasLeader() || g.members().size() != rf) {
          continue;
        }
        g.members().stream()
            .filter(m -> target.isTarget(m) && g.unreported().contains(m) && observed.reachableNodes().contains(m))
            .findFirst()
            .ifPresent(gone -> {
              if (inFlight >= maxMovesInFlight) {
                blocked.put(g.shard(), "shard " + g.shard() + ": its copy on " + gone
                    + " is gone; waiting for moves in flight");
              } else if (!Set.of(gone).containsAll(g.lagging())) {
                blocked.put(g.shard(), "shard " + g.shard() + ": its copy on " + gone + " is gone and " + unhealthy(g));
              } else {
                steps.put(g.shard(), new RebalanceStep.ReplaceLostReplica(g.shard(), gone));
                inFlight++;
              }
            });
      }
    }

    private void drain() {
      Map<Integer, String> assigned = drainAssignment();
      for (String node : outsideNodesByDrainOrder()) {
        for (GroupObservation g : observed.groups().values()) {
          if (g.members().size() != rf || !g.members().contains(node) || steps.containsKey(g.shard())) {
            continue;
          }
          if (inFlight >= maxMovesInFlight) {
            return;
          }
          // the member that leaves may be the one down (a leaving server that crashed); the others may not
          if (!g.hasLeader() || !Set.of(node).containsAll(g.lagging())) {
            blocked.put(g.shard(), "shard " + g.shard() + ": cannot move its replica off " + node + ": " + unhealthy(g));
            continue;
          }
          String dest = assigned.get(g.shard());
          boolean planned;
          if (dest == null) {
            dest = bestNewNode(g).orElse(null);
          }
          if (dest != null) {
            steps.put(g.shard(), new RebalanceStep.MoveReplica(g.shard(), node, dest, handOff(g, node, dest),
                node + " is leaving"));
            load.merge(dest, 1, Integer::sum);
            planned = true;
          } else {
            blocked.put(g.shard(), "shard " + g.shard() + ": no reachable target server without a replica of it to take"
                + " the one on " + node);
            planned = false;
          }
          if (planned) {
            inFlight++;
          }
        }
      }
    }

    /**
     * A destination per group with members still to drain, such that all of them fill the target
     * nodes up to their balanced share and no further, when such an assignment exists (a maximum
     * flow: group -> eligible target node -> share). Members left out go to the least loaded node,
     * and balancing corrects afterwards. Without it, a greedy choice can fill the one node that
     * another group needed and cost an extra balancing move.
     */
    private Map<Integer, String> drainAssignment() {
      List<String> targets = target.targetNodes();
      long total = (long) observed.shards() * rf;
      int base = (int) (total / targets.size());
      int larger = (int) (total % targets.size());
      MaxFlow flow = new MaxFlow();
      int source = flow.addVertex();
      int sink = flow.addVertex();
      int pool = flow.addVertex();
      Map<String, Integer> vertexOf = new HashMap<>();
      int atLargerShare = 0;
      for (String t : targets) {
        int v = flow.addVertex();
        vertexOf.put(t, v);
        int l = load.get(t);
        if (l > base) {
          atLargerShare++;
        } else {
          flow.addEdge(v, sink, base - l);
          flow.addEdge(v, pool, 1);
        }
      }
      flow.addEdge(pool, sink, Math.max(0, larger - atLargerShare));
      // one vertex per group: its drained members need distinct nodes (an edge of capacity 1 each)
      Map<Integer, List<int[]>> edgesOf = new LinkedHashMap<>();
      for (GroupObservation g : observed.groups().values()) {
        long outside = g.members().stream().filter(m -> !target.isTarget(m)).count();
        if (g.members().size() != rf || outside == 0 || steps.containsKey(g.shard())) {
          continue;
        }
        int group = flow.addVertex();
        flow.addEdge(source, group, (int) outside);
        List<int[]> edges = new ArrayList<>();
        // nodes with a leftover copy of the group first: the search takes edges in this order
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
          order.add(i);
        }
        order.sort(Comparator.comparing((Integer i) -> !g.strays().contains(targets.get(i))));
        for (int i : order) {
          String t = targets.get(i);
          if (!g.members().contains(t) && observed.reachableNodes().contains(t)) {
            edges.add(new int[] {flow.addEdge(group, vertexOf.get(t), 1), i});
          }
        }
        edgesOf.put(g.shard(), edges);
      }
      flow.run(source, sink);
      Map<Integer, String> assigned = new HashMap<>();
      edgesOf.forEach((shard, edges) -> edges.stream().filter(e -> flow.flow(e[0]) > 0).findFirst()
          .ifPresent(e -> assigned.put(shard, targets.get(e[1]))));
      return assigned;
    }

    /** Nodes hosting members that are not targets: unknown ones first (by id), then leaving ones highest first. */
    private List<String> outsideNodesByDrainOrder() {
      TreeSet<String> unknown = new TreeSet<>();
      for (GroupObservation g : observed.groups().values()) {
        for (String m : g.members()) {
          if (!ordinal.containsKey(m)) {
            unknown.add(m);
          }
        }
      }
      List<String> order = new ArrayList<>(unknown);
      List<String> leaving = new ArrayList<>(target.leavingNodes());
      java.util.Collections.reverse(leaving);
      order.addAll(leaving);
      return order;
    }

    private boolean nothingOutsideTarget() {
      return observed.groups().values().stream().allMatch(g -> g.members().stream().allMatch(target::isTarget));
    }

    private void balance() {
      while (inFlight < maxMovesInFlight) {
        RebalanceStep move = nextBalancingMove();
        if (move == null) {
          return;
        }
        inFlight++;
      }
    }

    private RebalanceStep nextBalancingMove() {
      List<String> fullest = new ArrayList<>(target.targetNodes());
      fullest.sort(Comparator.comparing((String n) -> -load.get(n)).thenComparing(n -> -rank(n)));
      List<String> emptiest = new ArrayList<>(target.targetNodes().stream()
          .filter(observed.reachableNodes()::contains).toList());
      emptiest.sort(Comparator.comparing((String n) -> load.get(n)).thenComparing(this::rank));
      for (String from : fullest) {
        for (String to : emptiest) {
          if (load.get(from) - load.get(to) < 2) {
            break;
          }
          for (GroupObservation g : observed.groups().values()) {
            if (g.members().size() == rf && g.members().contains(from) && !g.members().contains(to)
                && !steps.containsKey(g.shard()) && g.isHealthy()) {
              RebalanceStep move = new RebalanceStep.MoveReplica(g.shard(), from, to, handOff(g, from, to),
                  "balancing: " + from + " hosts " + load.get(from) + ", " + to + " hosts " + load.get(to));
              steps.put(g.shard(), move);
              load.merge(to, 1, Integer::sum);
              load.merge(from, -1, Integer::sum);
              return move;
            }
          }
        }
      }
      return null;
    }

    /** The least loaded reachable target node that is not a member (a node with a leftover copy first on ties). */
    private Optional<String> bestNewNode(GroupObservation g) {
      return target.targetNodes().stream()
          .filter(n -> !g.members().contains(n) && observed.reachableNodes().contains(n))
          .min(Comparator.comparing((String n) -> load.get(n))
              // a leftover copy of the group there (an interrupted add) is reused
              .thenComparing(n -> !g.strays().contains(n))
              .thenComparing(this::rank));
    }

    /** Plans an add on {@link #bestNewNode}; false (and the group blocked) if there is none. */
    private boolean addOnBestNode(GroupObservation g, String reason) {
      Optional<String> best = bestNewNode(g);
      if (best.isEmpty()) {
        blocked.put(g.shard(), "shard " + g.shard() + ": no reachable target server without a replica of it ("
            + reason + ")");
        return false;
      }
      steps.put(g.shard(), new RebalanceStep.AddReplica(g.shard(), best.get(), reason));
      load.merge(best.get(), 1, Integer::sum);
      return true;
    }

    /** Drops leftover copies of settled groups; says why every other unsettled group waits. */
    private void tidyAndExplain() {
      for (GroupObservation g : observed.groups().values()) {
        if (steps.containsKey(g.shard()) || blocked.containsKey(g.shard())) {
          continue;
        }
        if (!g.isHealthy()) {
          blocked.put(g.shard(), "shard " + g.shard() + ": " + unhealthy(g));
        } else if (!g.strays().isEmpty() && g.members().size() == rf) {
          String stray = new TreeSet<>(g.strays()).first();
          steps.put(g.shard(), new RebalanceStep.DropLeftoverCopy(g.shard(), stray));
        }
      }
    }

    private String unhealthy(GroupObservation g) {
      if (!g.hasLeader()) {
        return "no leader";
      }
      List<String> down = new TreeSet<>(g.unreported()).stream().toList();
      List<String> behind = new TreeSet<>(g.lagging()).stream().filter(m -> !g.unreported().contains(m)).toList();
      StringBuilder b = new StringBuilder();
      if (!down.isEmpty()) {
        b.append(down).append(" not reporting it");
      }
      if (!behind.isEmpty()) {
        b.append(b.length() > 0 ? ", " : "").append(behind).append(" catching up");
      }
      return b.toString();
    }

    /** Ordinal of a node; unknown nodes rank beyond every ordinal. */
    private int rank(String node) {
      return ordinal.getOrDefault(node, Integer.MAX_VALUE / 2);
    }

    private RebalanceProgress progress() {
      Map<String, Integer> perNode = new LinkedHashMap<>();
      target.targetNodes().forEach(n -> perNode.put(n, 0));
      target.leavingNodes().forEach(n -> perNode.put(n, 0));
      Map<String, Integer> actual = observed.replicasPerNode();
      actual.forEach((n, c) -> perNode.put(n, c));
      int onLeaving = 0;
      for (Map.Entry<String, Integer> e : actual.entrySet()) {
        if (!target.isTarget(e.getKey())) {
          onLeaving += e.getValue();
        }
      }
      int straysOnLeaving = 0;
      boolean anyStray = false;
      boolean allAtRf = true;
      for (GroupObservation g : observed.groups().values()) {
        anyStray |= !g.strays().isEmpty();
        straysOnLeaving += (int) g.strays().stream().filter(n -> !target.isTarget(n)).count();
        allAtRf &= g.members().size() == rf;
      }
      List<Integer> targetCounts = target.targetNodes().stream().map(n -> actual.getOrDefault(n, 0)).toList();
      int max = targetCounts.stream().max(Integer::compare).orElse(0);
      int min = targetCounts.stream().min(Integer::compare).orElse(0);
      boolean balanced = max - min <= 1;
      int unobserved = observed.shards() - observed.groups().size();
      int groupsInFlight = (int) observed.groups().values().stream().filter(g -> g.members().size() != rf).count();
      boolean done = target.targetNodes().size() >= rf && steps.isEmpty() && blocked.isEmpty() && unobserved == 0
          && allAtRf && onLeaving == 0 && !anyStray && balanced;
      return new RebalanceProgress(observed.shards(), unobserved, perNode, onLeaving, straysOnLeaving,
          onLeaving + targetSurplus(targetCounts), groupsInFlight, List.copyOf(blocked.values()), balanced, done);
    }

    /**
     * Members above the balanced share on target nodes: {@code shards * rf} replicas over {@code t}
     * nodes give {@code total % t} nodes one more; the fullest nodes get those larger shares.
     */
    private int targetSurplus(List<Integer> counts) {
      int t = counts.size();
      long total = (long) observed.shards() * rf;
      long base = total / t;
      long larger = total % t;
      List<Integer> sorted = new ArrayList<>(counts);
      sorted.sort(Comparator.reverseOrder());
      long surplus = 0;
      for (int i = 0; i < t; i++) {
        long share = base + (i < larger ? 1 : 0);
        surplus += Math.max(0, sorted.get(i) - share);
      }
      return (int) surplus;
    }
  }
}
