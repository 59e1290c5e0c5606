package io.shardlite.common.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The planner driven to the end on simulated layouts: steps are applied in random subsets (some
 * fail, as real calls do), new members catch up over a few rounds and leaders move at random. The
 * simulation asserts every step's safety precondition as it applies it.
 */
class RebalancePlannerPropertiesTest {

  @Property(tries = 300)
  void repeatedPlansReachRfReplicasOnDistinctBalancedTargetsWithoutEverGoingBelowRf(
      @ForAll @IntRange(min = 1, max = 6) int initialNodes,
      @ForAll @IntRange(min = 0, max = 3) int extraNodes,
      @ForAll @IntRange(min = 1, max = 30) int shards,
      @ForAll @IntRange(min = 1, max = 5) int rfSeed,
      @ForAll @IntRange(min = 0, max = 9) int targetSeed,
      @ForAll @IntRange(min = 1, max = 4) int maxInFlight,
      @ForAll boolean randomStart,
      @ForAll long seed) {
    Random random = new Random(seed);
    int rf = 1 + (rfSeed - 1) % initialNodes;
    List<String> all = nodes(initialNodes + extraNodes);
    int targetCount = rf + targetSeed % (all.size() - rf + 1);
    Map<Integer, List<String>> start = randomStart
        ? randomPlacement(shards, all.subList(0, initialNodes), rf, random)
        : ReplicaPlacement.initial(shards, all.subList(0, initialNodes), rf);
    PlacementTarget target = PlacementTarget.ofOrdinals(all, targetCount, rf);
    SimulatedLayout layout = new SimulatedLayout(start, rf, all);
    RebalancePlanner planner = new RebalancePlanner(maxInFlight);

    int rounds = 0;
    RebalancePlan plan = planner.plan(layout.observe(), target);
    int lowerBound = plan.progress().replicasToMove();
    while (!plan.done()) {
      assertThat(rounds++).as("rounds (no livelock)").isLessThan(40 * shards * rf + 100);
      assertThat(plan.refused()).isFalse();
      assertThat(plan.steps()).extracting(RebalanceStep::shard).doesNotHaveDuplicates();
      List<RebalanceStep> steps = new ArrayList<>(plan.steps());
      Collections.shuffle(steps, random);
      boolean appliedOne = false;
      for (RebalanceStep step : steps) {
        // calls fail now and then; at least one per round gets through
        if (!appliedOne || random.nextInt(10) < 7) {
          layout.apply(step, random);
          appliedOne = true;
        }
      }
      assertThat(layout.members.values()).allSatisfy(m -> assertThat(m.size()).isBetween(rf, rf + 1));
      long inFlight = layout.members.values().stream().filter(m -> m.size() != rf).count();
      assertThat(inFlight).as("groups mid-move").isLessThanOrEqualTo(maxInFlight);
      layout.tick();
      if (random.nextInt(5) == 0) {
        layout.randomElection(random);
      }
      plan = planner.plan(layout.observe(), target);
    }

    Set<String> targets = new HashSet<>(target.targetNodes());
    assertThat(layout.members.values()).allSatisfy(m -> {
      assertThat(m).hasSize(rf);
      assertThat(targets).containsAll(m);
    });
    Map<String, Integer> counts = layout.counts();
    for (String leaving : target.leavingNodes()) {
      assertThat(counts.getOrDefault(leaving, 0)).as("replicas left on %s", leaving).isZero();
    }
    List<Integer> targetCounts = target.targetNodes().stream().map(n -> counts.getOrDefault(n, 0)).toList();
    assertThat(Collections.max(targetCounts) - Collections.min(targetCounts)).as("balance %s", counts)
        .isLessThanOrEqualTo(1);
    assertThat(layout.adds).as("adds").isEqualTo(layout.removes).isGreaterThanOrEqualTo(lowerBound);
    assertThat(plan.progress().leavingNodesEmpty()).isTrue();
    assertThat(plan.progress().replicasToMove()).isZero();
  }

  /** Members whose copy is gone (a replaced volume) are replaced; no step ever trusts them. */
  @Property(tries = 200)
  void lostCopiesOnTargetServersAreReplacedWithoutEverTrustingThem(
      @ForAll @IntRange(min = 3, max = 6) int nodes,
      @ForAll @IntRange(min = 1, max = 20) int shards,
      @ForAll @IntRange(min = 1, max = 3) int maxInFlight,
      @ForAll long seed) {
    Random random = new Random(seed);
    int rf = 3;
    List<String> all = nodes(nodes);
    PlacementTarget target = PlacementTarget.ofOrdinals(all, nodes, rf);
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(shards, all, rf), rf, all);
    for (int shard = 0; shard < shards; shard++) {
      if (random.nextInt(3) == 0) {
        final int s = shard;
        List<String> followers = layout.members.get(s).stream().filter(n -> !n.equals(layout.leaders.get(s))).toList();
        layout.lost.add(shard + "/" + followers.get(random.nextInt(followers.size())));
      }
    }
    RebalancePlanner planner = new RebalancePlanner(maxInFlight);
    int rounds = 0;
    for (RebalancePlan plan = planner.plan(layout.observe(), target); !plan.done();
        plan = planner.plan(layout.observe(), target)) {
      assertThat(rounds++).as("rounds (no livelock)").isLessThan(40 * shards * rf + 100);
      assertThat(!plan.steps().isEmpty() || layout.anyCatchingUp())
          .as("a round with work left plans a step or waits for a catch-up: %s", plan.progress().blocked()).isTrue();
      for (RebalanceStep step : plan.steps()) {
        layout.apply(step, random);
      }
      layout.tick();
    }
    assertThat(layout.lost).as("members without a copy").isEmpty();
    assertThat(layout.members.values()).allSatisfy(m -> assertThat(m).hasSize(rf));
  }

  @Property(tries = 300)
  void fromTheInitialPlacementEveryAddIsANecessaryMove(
      @ForAll @IntRange(min = 1, max = 6) int initialNodes,
      @ForAll @IntRange(min = 0, max = 3) int extraNodes,
      @ForAll @IntRange(min = 1, max = 40) int shards,
      @ForAll @IntRange(min = 1, max = 5) int rfSeed,
      @ForAll @IntRange(min = 0, max = 9) int targetSeed,
      @ForAll @IntRange(min = 1, max = 4) int maxInFlight) {
    int rf = 1 + (rfSeed - 1) % initialNodes;
    List<String> all = nodes(initialNodes + extraNodes);
    int targetCount = rf + targetSeed % (all.size() - rf + 1);
    PlacementTarget target = PlacementTarget.ofOrdinals(all, targetCount, rf);
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(shards, all.subList(0, initialNodes), rf), rf,
        all);
    RebalancePlanner planner = new RebalancePlanner(maxInFlight);
    RebalancePlan plan = planner.plan(layout.observe(), target);
    int needed = plan.progress().replicasToMove();
    for (int rounds = 0; !plan.done(); rounds++) {
      assertThat(rounds).isLessThan(10 * shards * rf + 50);
      plan.steps().forEach(s -> layout.apply(s, null));
      plan = planner.plan(layout.observe(), target);
    }
    // scale-out, or scale-in where the drained replicas fit: the planner moves exactly the surplus
    assertThat(layout.adds).as("replicas moved, %d needed", needed).isEqualTo(needed);
  }

  @Property(tries = 300)
  void aBalancedLayoutYieldsNoMoves(
      @ForAll @IntRange(min = 1, max = 9) int n,
      @ForAll @IntRange(min = 1, max = 60) int shards,
      @ForAll @IntRange(min = 1, max = 5) int rfSeed,
      @ForAll @IntRange(min = 1, max = 4) int maxInFlight) {
    int rf = 1 + (rfSeed - 1) % n;
    List<String> all = nodes(n);
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(shards, all, rf), rf, all);
    RebalancePlan plan = new RebalancePlanner(maxInFlight).plan(layout.observe(), PlacementTarget.ofOrdinals(all, n, rf));
    assertThat(plan.steps()).isEmpty();
    assertThat(plan.done()).isTrue();
    assertThat(plan.progress().replicasToMove()).isZero();
    assertThat(plan.progress().summary()).startsWith("balanced, nothing to move");
  }

  @Property(tries = 200)
  void plansAreDeterministic(
      @ForAll @IntRange(min = 2, max = 6) int n,
      @ForAll @IntRange(min = 1, max = 30) int shards,
      @ForAll @IntRange(min = 1, max = 3) int rfSeed,
      @ForAll @IntRange(min = 1, max = 6) int targetSeed,
      @ForAll long seed) {
    int rf = 1 + (rfSeed - 1) % n;
    List<String> all = nodes(n);
    Map<Integer, List<String>> start = randomPlacement(shards, all, rf, new Random(seed));
    PlacementTarget target = PlacementTarget.ofOrdinals(all, Math.max(rf, 1 + targetSeed % n), rf);
    ClusterObservation observed = new SimulatedLayout(start, rf, all).observe();
    assertThat(new RebalancePlanner(3).plan(observed, target)).isEqualTo(new RebalancePlanner(3).plan(observed, target));
  }

  @Property(tries = 200)
  void aTargetSmallerThanTheReplicationFactorIsRefusedAndChangesNothing(
      @ForAll @IntRange(min = 2, max = 6) int n,
      @ForAll @IntRange(min = 1, max = 20) int shards,
      @ForAll @IntRange(min = 2, max = 5) int rfSeed,
      @ForAll @IntRange(min = 0, max = 5) int targetSeed) {
    int rf = 2 + (rfSeed - 2) % (n - 1);
    int targetCount = 1 + targetSeed % (rf - 1);
    List<String> all = nodes(n);
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(shards, all, rf), rf, all);
    RebalancePlan plan = new RebalancePlanner().plan(layout.observe(), PlacementTarget.ofOrdinals(all, targetCount, rf));
    assertThat(plan.refused()).isTrue();
    assertThat(plan.steps()).isEmpty();
    assertThat(plan.done()).isFalse();
    assertThat(plan.refusal().orElseThrow().reason()).isEqualTo(RebalanceRefusal.TOO_FEW_NODES);
    assertThat(plan.refusal().orElseThrow().message()).contains("replication factor " + rf);
    assertThat(plan.progress().leavingNodesEmpty()).isFalse();
  }

  static List<String> nodes(int n) {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add("pod-" + i);
    }
    return nodes;
  }

  /** Each shard on rf distinct nodes chosen at random (unbalanced in general). */
  static Map<Integer, List<String>> randomPlacement(int shards, List<String> nodes, int rf, Random random) {
    Map<Integer, List<String>> p = new LinkedHashMap<>();
    for (int s = 0; s < shards; s++) {
      List<String> shuffled = new ArrayList<>(nodes);
      Collections.shuffle(shuffled, random);
      p.put(s, List.copyOf(shuffled.subList(0, rf)));
    }
    return p;
  }
}
