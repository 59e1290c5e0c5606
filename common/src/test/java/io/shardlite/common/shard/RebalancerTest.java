package io.shardlite.common.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.placement.PlacementTarget;
import io.shardlite.common.placement.RebalanceStep;
import io.shardlite.common.placement.ReplicaPlacement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The executor against simulated servers: full runs, crashes mid-move, failing calls, slow catch-up. */
class RebalancerTest {
  private static final List<String> S3 = List.of("s1", "s2", "s3");
  private static final List<String> S4 = List.of("s1", "s2", "s3", "s4");
  private static final Rebalancer.Settings FAST = new Rebalancer.Settings(2, 10, Duration.ofMillis(200),
      Duration.ofMillis(1));

  @Test
  void scaleOutThenBackInReachesBalanceAndEmptiesTheLeavingServer() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(8, S3, 3), 3, S4);
    Rebalancer rebalancer = new Rebalancer(servers, FAST);
    List<Rebalancer.Round> rounds = new ArrayList<>();

    Rebalancer.Round last = rebalancer.runUntilDone(8, PlacementTarget.ofOrdinals(S4, 4, 3), Duration.ofSeconds(30),
        rounds::add);
    assertThat(last.done()).isTrue();
    assertThat(servers.counts()).containsExactly(Map.entry("s1", 6), Map.entry("s2", 6), Map.entry("s3", 6),
        Map.entry("s4", 6));
    assertThat(rounds.get(0).plan().progress().replicasToMove()).isEqualTo(6);
    assertThat(rounds).flatExtracting(Rebalancer.Round::outcomes).extracting(Rebalancer.StepOutcome::result)
        .containsOnly(Rebalancer.StepOutcome.Result.DONE);
    // each move is one add and one remove: 6 moves
    assertThat(servers.changes).isEqualTo(12);

    last = rebalancer.runUntilDone(8, PlacementTarget.ofOrdinals(S4, 3, 3), Duration.ofSeconds(30), r -> {});
    assertThat(last.done()).isTrue();
    assertThat(last.plan().progress().leavingNodesEmpty()).isTrue();
    assertThat(servers.counts()).containsExactly(Map.entry("s1", 8), Map.entry("s2", 8), Map.entry("s3", 8),
        Map.entry("s4", 0));
    assertThat(servers.copies.get("s4")).isEmpty();
  }

  @Test
  void anAddThatTimedOutAfterApplyingIsFinishedByTheNextRound() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(4, S3, 3), 3, S4);
    servers.failNext = call -> call.startsWith("add ");
    servers.applyBeforeFailing = true;
    Rebalancer rebalancer = new Rebalancer(servers, FAST);
    PlacementTarget target = PlacementTarget.ofOrdinals(S4, 4, 3);

    Rebalancer.Round first = rebalancer.reconcile(4, target);
    assertThat(first.outcomes()).extracting(Rebalancer.StepOutcome::result).contains(Rebalancer.StepOutcome.Result.FAILED);
    long midWay = servers.members.values().stream().filter(m -> m.size() == 4).count();
    assertThat(midWay).isEqualTo(1);

    // the crashed move is seen as a group with RF+1 members and finished by a remove
    Rebalancer.Round second = rebalancer.reconcile(4, target);
    assertThat(second.plan().steps()).anySatisfy(s -> assertThat(s).isInstanceOf(RebalanceStep.RemoveReplica.class));
    Rebalancer.Round last = rebalancer.runUntilDone(4, target, Duration.ofSeconds(30), r -> {});
    assertThat(last.done()).isTrue();
    assertThat(servers.members.values()).allSatisfy(m -> assertThat(m).hasSize(3));
    assertThat(servers.counts().values()).allSatisfy(c -> assertThat(c).isBetween(3, 3));
  }

  @Test
  void aFailedRemoveLeavesAGroupAboveRfThatALaterRoundFinishes() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(4, S4, 3), 3, S4);
    servers.failNext = call -> call.startsWith("remove ");
    Rebalancer rebalancer = new Rebalancer(servers, FAST);
    PlacementTarget target = PlacementTarget.ofOrdinals(S4, 3, 3);

    Rebalancer.Round first = rebalancer.reconcile(4, target);
    assertThat(first.outcomes()).extracting(Rebalancer.StepOutcome::result).contains(Rebalancer.StepOutcome.Result.FAILED);
    Rebalancer.Round last = rebalancer.runUntilDone(4, target, Duration.ofSeconds(30), r -> {});
    assertThat(last.done()).isTrue();
    assertThat(servers.counts()).containsEntry("s4", 0);
  }

  @Test
  void aSlowNewMemberIsWaitedForBeforeTheOldOneIsRemoved() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(2, S3, 3), 3, S4);
    // the new member reports itself behind for longer than one round waits
    servers.slowCatchUpPolls = 1_000;
    Rebalancer rebalancer = new Rebalancer(servers, FAST);
    PlacementTarget target = PlacementTarget.ofOrdinals(S4, 4, 3);

    Rebalancer.Round first = rebalancer.reconcile(2, target);
    assertThat(first.outcomes()).extracting(Rebalancer.StepOutcome::result)
        .containsOnly(Rebalancer.StepOutcome.Result.PARTIAL);
    assertThat(first.outcomes().get(0).detail()).contains("still catching up");
    Rebalancer.Round second = rebalancer.reconcile(2, target);
    assertThat(second.plan().steps()).isEmpty();
    assertThat(second.plan().progress().blocked()).allSatisfy(b -> assertThat(b).contains("to catch up"));
    assertThat(servers.members.values()).anySatisfy(m -> assertThat(m).hasSize(4));

    servers.catchUpPolls.replaceAll((k, v) -> 0);
    assertThat(rebalancer.runUntilDone(2, target, Duration.ofSeconds(30), r -> {}).done()).isTrue();
  }

  @Test
  void leadershipLeavesAMemberBeforeItIsRemoved() {
    SimulatedShardMembership servers = new SimulatedShardMembership(Map.of(0, List.of("s4", "s1", "s2")), 3, S4);
    Rebalancer rebalancer = new Rebalancer(servers, FAST);
    Rebalancer.Round last = rebalancer.runUntilDone(1, PlacementTarget.ofOrdinals(S4, 3, 3), Duration.ofSeconds(30),
        r -> {});
    assertThat(last.done()).isTrue();
    assertThat(servers.members.get(0)).containsExactly("s1", "s2", "s3");
    assertThat(servers.leaders.get(0)).isNotEqualTo("s4");
  }

  @Test
  void aLeavingServerThatIsDownIsDrainedAndItsLeftoverCopyDroppedWhenItReturns() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(4, S4, 3), 3, S4);
    servers.down.add("s4");
    Rebalancer rebalancer = new Rebalancer(servers, FAST);
    PlacementTarget target = PlacementTarget.ofOrdinals(S4, 3, 3);
    List<Rebalancer.Round> rounds = new ArrayList<>();
    Rebalancer.Round last = rebalancer.runUntilDone(4, target, Duration.ofSeconds(30), rounds::add);
    assertThat(last.done()).isTrue();
    assertThat(last.unreachable()).containsKey("s4");
    assertThat(servers.counts()).containsEntry("s4", 0);
    // its copies stayed on its disk while it was down
    assertThat(servers.copies.get("s4")).isNotEmpty();

    servers.down.clear();
    Rebalancer.Round back = rebalancer.reconcile(4, target);
    assertThat(back.plan().progress().leavingNodesEmpty()).isFalse();
    assertThat(back.plan().steps()).allSatisfy(s -> assertThat(s).isInstanceOf(RebalanceStep.DropLeftoverCopy.class));
    last = rebalancer.runUntilDone(4, target, Duration.ofSeconds(30), r -> {});
    assertThat(last.done()).isTrue();
    assertThat(servers.copies.get("s4")).isEmpty();
  }

  @Test
  void aMemberWhoseCopyIsGoneIsRemovedThenAddedBackEmptyAndCaughtUp() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(4, S3, 3), 3, S3);
    servers.copies.get("s3").remove(1); // s3's volume was replaced: it answers without shard 1
    servers.leaders.put(1, "s1");
    servers.slowCatchUpPolls = 2;
    Rebalancer rebalancer = new Rebalancer(servers, FAST);
    List<Rebalancer.Round> rounds = new ArrayList<>();

    Rebalancer.Round last = rebalancer.runUntilDone(4, PlacementTarget.ofOrdinals(S3, 3, 3), Duration.ofSeconds(30),
        rounds::add);
    assertThat(last.done()).isTrue();
    assertThat(rounds.get(0).plan().steps()).containsExactly(new RebalanceStep.ReplaceLostReplica(1, "s3"));
    assertThat(servers.members.get(1)).containsExactly("s1", "s2", "s3");
    assertThat(servers.copies.get("s3")).contains(1);
    assertThat(servers.changes).as("one remove, one add").isEqualTo(2);
  }

  @Test
  void aMemberOnAServerThatIsDownIsNotReplaced() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(4, S3, 3), 3, S3);
    servers.down.add("s3");
    Rebalancer.Round round = new Rebalancer(servers, FAST).reconcile(4, PlacementTarget.ofOrdinals(S3, 3, 3));
    assertThat(round.plan().steps()).isEmpty();
    assertThat(servers.changes).isZero();
  }

  @Test
  void aTargetBelowTheReplicationFactorIsRefusedAndNothingChanges() {
    SimulatedShardMembership servers = new SimulatedShardMembership(ReplicaPlacement.initial(4, S3, 3), 3, S3);
    Rebalancer.Round round = new Rebalancer(servers, FAST).runUntilDone(4, PlacementTarget.ofOrdinals(S3, 2, 3),
        Duration.ofSeconds(30), r -> {});
    assertThat(round.plan().refused()).isTrue();
    assertThat(round.plan().refusal().orElseThrow().reason()).isEqualTo("TooFewShardPods");
    assertThat(servers.changes).isZero();
  }

  @Test
  void anAddressIsParsedWithClearErrors() {
    ShardServerAddress a = ShardServerAddress.parse("s1=127.0.0.1:7001/127.0.0.1:7000");
    assertThat(a).isEqualTo(new ShardServerAddress("s1", "127.0.0.1", 7001, "127.0.0.1:7000"));
    assertThat(a.grpcEndpoint()).isEqualTo("127.0.0.1:7001");
    for (String bad : List.of("s1", "s1=127.0.0.1:7001", "=h:1/h:2", "s1=h:x/h:2", "s1=h:1/h", "s1=h:1/h:0")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShardServerAddress.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
