package io.shardlite.common.ownership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousAssignmentTest {

  /**
   * The weights are part of the cluster's behaviour: replicas of different versions must compute
   * the same owners. These values must never change.
   */
  @Test
  void weightsArePinnedAcrossVersions() {
    assertThat(RendezvousAssignment.weight(0, "vm-a")).isEqualTo(-3352276798445343772L);
    assertThat(RendezvousAssignment.weight(1, "vm-a")).isEqualTo(-7236556452327700492L);
    assertThat(RendezvousAssignment.weight(1023, "vm-a")).isEqualTo(-5417098090882281515L);
    assertThat(RendezvousAssignment.weight(0, "vm-b")).isEqualTo(-3305642583253000872L);
    assertThat(RendezvousAssignment.weight(1, "vm-b")).isEqualTo(5152093199382050973L);
    assertThat(RendezvousAssignment.weight(1023, "vm-b")).isEqualTo(183783270782223058L);
    assertThat(RendezvousAssignment.weight(0, "\u00e9")).isEqualTo(-1489027821786554015L);
    assertThat(RendezvousAssignment.weight(1, "\u00e9")).isEqualTo(4703236116615290372L);
    assertThat(RendezvousAssignment.weight(1023, "\u00e9")).isEqualTo(4749951302022748957L);
  }

  @Test
  void assignmentOfTwelveShardsToThreeMembersIsPinned() {
    assertThat(RendezvousAssignment.assign(12, List.of("vm-a", "vm-b", "vm-c")).values())
        .containsExactly("vm-b", "vm-c", "vm-b", "vm-b", "vm-a", "vm-a", "vm-a", "vm-c", "vm-c",
            "vm-c", "vm-a", "vm-b");
  }

  @Test
  void threeMembersOwnFloorOrCeilOfSixteenOverThree() {
    Map<Integer, String> owners = RendezvousAssignment.assign(16, List.of("vm-a", "vm-b", "vm-c"));

    assertThat(owners).hasSize(16);
    for (String m : List.of("vm-a", "vm-b", "vm-c")) {
      assertThat(owners.values().stream().filter(m::equals).count()).isBetween(5L, 6L);
    }
  }

  @Test
  void currentOwnersWithinCapacityAreKept() {
    Map<Integer, String> current = Map.of(0, "x", 1, "x", 2, "y", 3, "y");

    assertThat(RendezvousAssignment.reassign(current, 4, List.of("x", "y"))).isEqualTo(current);
  }

  @Test
  void anOverloadedOwnerGivesUpOnlyTheExcess() {
    Map<Integer, String> current = Map.of(0, "x", 1, "x", 2, "x", 3, "x");

    Map<Integer, String> result = RendezvousAssignment.reassign(current, 4, List.of("x", "y"));

    assertThat(result.values().stream().filter("x"::equals).count()).isEqualTo(2);
    assertThat(result.values().stream().filter("y"::equals).count()).isEqualTo(2);
  }

  @Test
  void noMembersMeansNoOwners() {
    assertThat(RendezvousAssignment.assign(8, List.of())).isEmpty();
    assertThat(RendezvousAssignment.reassign(Map.of(0, "x"), 8, List.of())).isEmpty();
  }

  @Test
  void fewerShardsThanMembersGivesEachShardADistinctOwner() {
    Map<Integer, String> owners = RendezvousAssignment.assign(3, List.of("a", "b", "c", "d", "e"));

    assertThat(owners).hasSize(3);
    assertThat(owners.values()).doesNotHaveDuplicates();
  }

  @Test
  void badArgumentsAreRejected() {
    assertThatThrownBy(() -> RendezvousAssignment.assign(-1, List.of("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RendezvousAssignment.assign(4, List.of("a", " ")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RendezvousAssignment.assign(4, Arrays.asList("a", null)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
