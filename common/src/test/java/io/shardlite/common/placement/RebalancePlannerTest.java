package io.shardlite.common.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RebalancePlannerTest {
  private static final List<String> S3 = List.of("s1", "s2", "s3");
  private static final List<String> S4 = List.of("s1", "s2", "s3", "s4");

  @Test
  void scaleOutFrom3To4ServersMovesSixReplicasOntoTheNewOneTwoAtATime() {
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(8, S3, 3), 3, S4);
    PlacementTarget target = PlacementTarget.ofOrdinals(S4, 4, 3);
    RebalancePlanner planner = new RebalancePlanner(2);

    RebalancePlan first = planner.plan(layout.observe(), target);
    assertThat(first.progress().replicasToMove()).isEqualTo(6);
    assertThat(first.progress().replicasPerNode()).containsExactly(Map.entry("s1", 8), Map.entry("s2", 8),
        Map.entry("s3", 8), Map.entry("s4", 0));
    assertThat(first.steps()).hasSize(2).allSatisfy(s -> {
      assertThat(s).isInstanceOf(RebalanceStep.MoveReplica.class);
      assertThat(((RebalanceStep.MoveReplica) s).to()).isEqualTo("s4");
    });
    // the two moves leave different servers: counts stay within one of each other on the way
    assertThat(first.steps()).extracting(s -> ((RebalanceStep.MoveReplica) s).from()).doesNotHaveDuplicates();

    int rounds = runToEnd(layout, planner, target);
    assertThat(rounds).isEqualTo(3);
    assertThat(layout.counts()).containsExactly(Map.entry("s1", 6), Map.entry("s2", 6), Map.entry("s3", 6),
        Map.entry("s4", 6));
    assertThat(layout.adds).isEqualTo(6);
  }

  @Test
  void scaleInEmptiesTheHighestOrdinalFirstThenBalances() {
    List<String> five = List.of("p0", "p1", "p2", "p3", "p4");
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(10, five, 3), 3, five);
    PlacementTarget target = PlacementTarget.ofOrdinals(five, 3, 3);
    RebalancePlanner planner = new RebalancePlanner(2);

    RebalancePlan first = planner.plan(layout.observe(), target);
    assertThat(first.steps()).extracting(s -> ((RebalanceStep.MoveReplica) s).from()).containsOnly("p4");
    assertThat(first.progress().leavingNodesEmpty()).isFalse();
    assertThat(first.progress().replicasOnLeavingNodes()).isEqualTo(12);
    boolean p4EmptiedBeforeP3Moved = false;
    while (!first.done()) {
      for (RebalanceStep s : first.steps()) {
        if (s instanceof RebalanceStep.MoveReplica m && m.from().equals("p3")) {
          p4EmptiedBeforeP3Moved = layout.counts().getOrDefault("p4", 0) == 0 || p4EmptiedBeforeP3Moved;
          assertThat(p4EmptiedBeforeP3Moved).as("p4 is empty (or emptying) before p3 drains").isTrue();
        }
        layout.apply(s, null);
      }
      first = planner.plan(layout.observe(), target);
    }
    assertThat(layout.counts()).containsExactly(Map.entry("p0", 10), Map.entry("p1", 10), Map.entry("p2", 10));
    assertThat(first.progress().leavingNodesEmpty()).isTrue();
    assertThat(layout.adds).isEqualTo(12);
  }

  @Test
  void raisingTheTargetAgainMidDrainEndsCleanlyOnTheLargerTarget() {
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(8, S4, 3), 3, S4);
    RebalancePlanner planner = new RebalancePlanner(2);
    // scale-in to 3 starts: the first moves stop after their adds (as if the operator was interrupted)
    RebalancePlan drain = planner.plan(layout.observe(), PlacementTarget.ofOrdinals(S4, 3, 3));
    drain.steps().forEach(s -> layout.addOnly((RebalanceStep.MoveReplica) s));
    assertThat(layout.members.values()).filteredOn(m -> m.size() == 4).hasSize(2);

    // the user goes back to 4 servers: the half-done moves are finished and the layout rebalanced over 4
    PlacementTarget four = PlacementTarget.ofOrdinals(S4, 4, 3);
    runToEnd(layout, planner, four);
    assertThat(layout.members.values()).allSatisfy(m -> assertThat(m).hasSize(3));
    assertThat(layout.counts()).containsExactly(Map.entry("s1", 6), Map.entry("s2", 6), Map.entry("s3", 6),
        Map.entry("s4", 6));
  }

  @Test
  void aMoveFoundMidWayAfterACrashIsFinishedByRemovingTheLeavingMember() {
    // s4 is leaving; the add on s3 happened, the remove of s4 did not
    ClusterObservation observed = observe(Map.of(
        0, GroupObservation.healthy(0, List.of("s1", "s2", "s3", "s4"), "s4"),
        1, GroupObservation.healthy(1, List.of("s1", "s2", "s3"), "s1")), S4, 2);
    RebalancePlan plan = new RebalancePlanner().plan(observed, PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.steps()).hasSize(1);
    RebalanceStep.RemoveReplica remove = (RebalanceStep.RemoveReplica) plan.steps().get(0);
    assertThat(remove.node()).isEqualTo("s4");
    // s4 leads: leadership goes to a caught-up target member that leads nothing yet
    assertThat(remove.handOffTo()).isEqualTo("s2");
    assertThat(remove.describe()).contains("remove the replica on s4").contains("s4 is leaving");
    assertThat(plan.progress().groupsInFlight()).isEqualTo(1);
  }

  @Test
  void aMemberIsRemovedOnlyOnceTheOthersCaughtUp() {
    GroupObservation catchingUp = new GroupObservation(0, List.of("s1", "s2", "s3", "s4"), "s1", Set.of("s3"), Set.of(),
        Set.of());
    RebalancePlan plan = new RebalancePlanner().plan(observe(Map.of(0, catchingUp), S4, 1),
        PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.steps()).isEmpty();
    assertThat(plan.progress().blocked()).containsExactly("shard 0: waiting for [s3] to catch up before removing s4");
    assertThat(plan.done()).isFalse();
  }

  @Test
  void anUnreportedMemberIsRemovedBeforeAHealthyOne() {
    GroupObservation oneDown = new GroupObservation(0, List.of("s1", "s2", "s3", "s4"), "s1", Set.of("s2"), Set.of("s2"),
        Set.of());
    RebalancePlan plan = new RebalancePlanner().plan(observe(Map.of(0, oneDown), S4, 1),
        PlacementTarget.ofOrdinals(S4, 4, 3));
    assertThat(plan.steps()).containsExactly(new RebalanceStep.RemoveReplica(0, "s2", "s3", "s2 does not report the group"));
  }

  @Test
  void aMemberWhoseCopyIsGoneFromAServerThatAnswersIsReplaced() {
    // s3 answers but no longer hosts shard 0 (its volume was lost): 2 of 3 copies are left.
    GroupObservation lost = new GroupObservation(0, List.of("s1", "s2", "s3"), "s1", Set.of("s3"), Set.of("s3"),
        Set.of());
    RebalancePlan plan = new RebalancePlanner().plan(observe(Map.of(0, lost), S4, 1),
        PlacementTarget.ofOrdinals(S4, 4, 3));
    assertThat(plan.steps()).containsExactly(new RebalanceStep.ReplaceLostReplica(0, "s3"));
    assertThat(plan.done()).isFalse();
  }

  @Test
  void aMemberOnAServerThatDoesNotAnswerIsNotReplaced() {
    // s3 may just be restarting: without an answer from it nothing is moved.
    GroupObservation down = new GroupObservation(0, List.of("s1", "s2", "s3"), "s1", Set.of("s3"), Set.of("s3"),
        Set.of());
    RebalancePlan plan = new RebalancePlanner().plan(observe(Map.of(0, down), List.of("s1", "s2", "s4"), 1),
        PlacementTarget.ofOrdinals(S4, 4, 3));
    assertThat(plan.steps()).noneMatch(st -> st instanceof RebalanceStep.ReplaceLostReplica);
  }

  @Test
  void aGroupBelowTheReplicationFactorGetsAMemberOnTheLeastLoadedServer() {
    ClusterObservation observed = observe(Map.of(
        0, GroupObservation.healthy(0, List.of("s1", "s2"), "s1"),
        1, GroupObservation.healthy(1, List.of("s1", "s2", "s3"), "s2"),
        2, GroupObservation.healthy(2, List.of("s1", "s2", "s3"), "s3")), S4, 3);
    RebalancePlan plan = new RebalancePlanner().plan(observed, PlacementTarget.ofOrdinals(S4, 4, 3));
    assertThat(plan.steps()).first().isEqualTo(new RebalanceStep.AddReplica(0, "s4", "below replication factor: 2 of 3"));
  }

  @Test
  void unhealthyGroupsAreNotMovedAndSayWhy() {
    ClusterObservation observed = observe(Map.of(
        0, new GroupObservation(0, List.of("s1", "s2", "s4"), null, Set.of(), Set.of(), Set.of()),
        1, new GroupObservation(1, List.of("s1", "s2", "s4"), "s1", Set.of("s2"), Set.of(), Set.of())), S4, 2);
    RebalancePlan plan = new RebalancePlanner().plan(observed, PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.steps()).isEmpty();
    assertThat(plan.progress().blocked()).containsExactly(
        "shard 0: cannot move its replica off s4: no leader",
        "shard 1: cannot move its replica off s4: [s2] catching up");
    assertThat(plan.progress().leavingNodesEmpty()).isFalse();
  }

  @Test
  void aLeavingServerThatIsDownIsStillDrained() {
    GroupObservation leavingDown = new GroupObservation(0, List.of("s1", "s2", "s4"), "s1", Set.of("s4"), Set.of("s4"),
        Set.of());
    RebalancePlan plan = new RebalancePlanner().plan(new ClusterObservation(1, Map.of(0, leavingDown),
        Set.of("s1", "s2", "s3")), PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.steps()).containsExactly(new RebalanceStep.MoveReplica(0, "s4", "s3", "s2", "s4 is leaving"));
  }

  @Test
  void unknownServersAreDrainedFirstAndUnreachableServersGetNothing() {
    ClusterObservation observed = new ClusterObservation(2, Map.of(
        0, GroupObservation.healthy(0, List.of("s1", "s2", "s4"), "s1"),
        1, GroupObservation.healthy(1, List.of("gone", "s1", "s2"), "s1")), Set.of("s1", "s2", "s4"));
    RebalancePlan plan = new RebalancePlanner(1).plan(observed, PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.steps()).isEmpty();
    assertThat(plan.progress().blocked()).containsExactly(
        "shard 0: no reachable target server without a replica of it to take the one on s4",
        "shard 1: no reachable target server without a replica of it to take the one on gone");

    ClusterObservation s3Up = new ClusterObservation(2, observed.groups(), Set.of("s1", "s2", "s3", "s4"));
    plan = new RebalancePlanner(1).plan(s3Up, PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.steps()).containsExactly(new RebalanceStep.MoveReplica(1, "gone", "s3", "s2", "gone is leaving"));
    assertThat(plan.progress().replicasPerNode()).containsEntry("gone", 1).containsEntry("s4", 1);
  }

  @Test
  void leftoverCopiesAreDroppedFromSettledGroupsAndReusedByMoves() {
    ClusterObservation observed = observe(Map.of(
        0, new GroupObservation(0, List.of("s1", "s2", "s3"), "s1", Set.of(), Set.of(), Set.of("s4")),
        1, GroupObservation.healthy(1, List.of("s1", "s2", "s3"), "s1")), S4, 2);
    RebalancePlan plan = new RebalancePlanner().plan(observed, PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.steps()).containsExactly(new RebalanceStep.DropLeftoverCopy(0, "s4"));
    assertThat(plan.progress().leftoverCopiesOnLeavingNodes()).isEqualTo(1);
    assertThat(plan.progress().leavingNodesEmpty()).isFalse();

    // a leftover copy on a node that should receive a replica is where the add goes (it resumes)
    List<String> five = List.of("s1", "s2", "s3", "s4", "s5");
    Map<Integer, GroupObservation> groups = new TreeMap<>();
    groups.put(0, new GroupObservation(0, List.of("s1", "s2", "s5"), "s1", Set.of(), Set.of(), Set.of("s4")));
    plan = new RebalancePlanner().plan(observe(groups, five, 1), PlacementTarget.ofOrdinals(five, 4, 3));
    assertThat(plan.steps()).containsExactly(new RebalanceStep.MoveReplica(0, "s5", "s4", "s2", "s5 is leaving"));
  }

  @Test
  void aTargetSmallerThanTheReplicationFactorIsRefusedWithTheReason() {
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(8, S3, 3), 3, S3);
    RebalancePlan plan = new RebalancePlanner().plan(layout.observe(), PlacementTarget.ofOrdinals(S3, 2, 3));
    assertThat(plan.refused()).isTrue();
    assertThat(plan.steps()).isEmpty();
    assertThat(plan.refusal().orElseThrow().reason()).isEqualTo("TooFewShardPods");
    assertThat(plan.refusal().orElseThrow().message()).startsWith(
        "the target of 2 shard servers [s1, s2] cannot hold replication factor 3");
  }

  @Test
  void unobservedShardsBlockCompletionAndScaleIn() {
    ClusterObservation observed = observe(Map.of(0, GroupObservation.healthy(0, S3, "s1")), S4, 2);
    RebalancePlan plan = new RebalancePlanner().plan(observed, PlacementTarget.ofOrdinals(S4, 3, 3));
    assertThat(plan.progress().unobservedShards()).isEqualTo(1);
    assertThat(plan.progress().blocked()).containsExactly("shard 1: no server reports it");
    assertThat(plan.progress().leavingNodesEmpty()).isFalse();
    assertThat(plan.done()).isFalse();
    assertThat(plan.progress().summary()).contains("1 shards unobserved").contains("1 blocked");
  }

  @Test
  void progressSummaryNamesCountsPerServer() {
    SimulatedLayout layout = new SimulatedLayout(ReplicaPlacement.initial(8, S3, 3), 3, S4);
    RebalancePlan plan = new RebalancePlanner().plan(layout.observe(), PlacementTarget.ofOrdinals(S4, 4, 3));
    assertThat(plan.progress().summary()).isEqualTo("6 replicas to move, 0 groups moving; s1=8 s2=8 s3=8 s4=0");
    assertThat(plan.progress().balanced()).isFalse();
  }

  @Test
  void badInputsAreRejected() {
    assertThatThrownBy(() -> new PlacementTarget(List.of(), List.of(), 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PlacementTarget(List.of("a", "b"), List.of("a"), 1))
        .hasMessageContaining("listed twice");
    assertThatThrownBy(() -> new PlacementTarget(List.of("a", " "), List.of(), 1)).hasMessageContaining("blank");
    assertThatThrownBy(() -> new PlacementTarget(List.of("a"), List.of(), 0)).hasMessageContaining("replicationFactor");
    assertThatThrownBy(() -> PlacementTarget.ofOrdinals(S3, 4, 1)).hasMessageContaining("targetCount");
    assertThatThrownBy(() -> new RebalancePlanner(0)).hasMessageContaining("maxMovesInFlight");
    assertThatThrownBy(() -> GroupObservation.healthy(0, List.of("a"), "b")).hasMessageContaining("not a member");
    assertThatThrownBy(() -> new ClusterObservation(2, Map.of(5, GroupObservation.healthy(5, List.of("a"), "a")),
        Set.of())).hasMessageContaining("not a shard");
  }

  @Test
  void observationFromListingsUsesTheLeadersConfiguration() {
    Map<String, List<HostedGroup>> listings = new TreeMap<>();
    listings.put("s1", List.of(
        new HostedGroup(0, "LEADER", "s1", 3, 100, 100, List.of("s1", "s2", "s3", "s4")),
        new HostedGroup(1, "LEADER", "s1", 2, 50, 50, List.of("s1", "s2", "s3"))));
    listings.put("s2", List.of(
        new HostedGroup(0, "FOLLOWER", "s1", 3, 95, 100, List.of("s1", "s2", "s3", "s4")),
        new HostedGroup(1, "LEADER", "s2", 5, 60, 60, List.of("s2", "s3", "s4"))));
    listings.put("s3", List.of(new HostedGroup(0, "FOLLOWER", "s1", 3, 10, 90, List.of("s1", "s2", "s3"))));
    listings.put("s5", List.of(new HostedGroup(0, "FOLLOWER", "", 1, 0, 0, List.of())));
    ClusterObservation o = ClusterObservation.fromListings(3, listings, 20);

    GroupObservation g0 = o.groups().get(0);
    assertThat(g0.members()).containsExactly("s1", "s2", "s3", "s4");
    assertThat(g0.leader()).isEqualTo("s1");
    assertThat(g0.lagging()).containsExactlyInAnyOrder("s3", "s4");
    assertThat(g0.unreported()).containsExactly("s4");
    assertThat(g0.strays()).containsExactly("s5");
    // two claim leadership of shard 1: the higher term is the current one
    GroupObservation g1 = o.groups().get(1);
    assertThat(g1.leader()).isEqualTo("s2");
    assertThat(g1.members()).containsExactly("s2", "s3", "s4");
    assertThat(g1.strays()).containsExactly("s1");
    assertThat(o.groups()).doesNotContainKey(2);
    assertThat(o.reachableNodes()).containsExactlyInAnyOrder("s1", "s2", "s3", "s5");
    assertThat(o.replicasPerNode()).containsExactly(Map.entry("s1", 1), Map.entry("s2", 2), Map.entry("s3", 2),
        Map.entry("s4", 2));
  }

  @Test
  void withoutALeaderTheGroupIsTheUnionOfWhatMembersReport() {
    Map<String, List<HostedGroup>> listings = Map.of(
        "s1", List.of(new HostedGroup(0, "CANDIDATE", "", 4, 10, 10, List.of("s1", "s2", "s3"))));
    GroupObservation g = ClusterObservation.fromListings(1, listings, 0).groups().get(0);
    assertThat(g.hasLeader()).isFalse();
    assertThat(g.isHealthy()).isFalse();
    assertThat(g.members()).containsExactly("s1", "s2", "s3");
    assertThat(g.unreported()).containsExactlyInAnyOrder("s2", "s3");
  }

  private static ClusterObservation observe(Map<Integer, GroupObservation> groups, List<String> reachable, int shards) {
    return new ClusterObservation(shards, groups, Set.copyOf(reachable));
  }

  private static int runToEnd(SimulatedLayout layout, RebalancePlanner planner, PlacementTarget target) {
    int rounds = 0;
    for (RebalancePlan plan = planner.plan(layout.observe(), target); !plan.done();
        plan = planner.plan(layout.observe(), target)) {
      assertThat(rounds++).isLessThan(100);
      new ArrayList<>(plan.steps()).forEach(s -> layout.apply(s, null));
    }
    return rounds;
  }
}
