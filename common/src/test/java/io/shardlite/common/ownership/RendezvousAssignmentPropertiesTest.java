package io.shardlite.common.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Balance, determinism and minimal movement of {@link RendezvousAssignment}. The movement bounds
 * checked here are the ones stated in the class comment:
 *
 * <ul>
 *   <li>leave (from a balanced assignment, n >= 2 members): moved == the leaver's shards, exactly;
 *   <li>join (from a balanced assignment of n members): moved == floor(S/(n+1)), all to the
 *       newcomer;
 *   <li>any change: moved == the minimum over all balanced assignments (brute force, small cases).
 * </ul>
 */
class RendezvousAssignmentPropertiesTest {

  @Provide
  Arbitrary<List<String>> members() {
    return Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(6)
        .list().uniqueElements().ofMinSize(1).ofMaxSize(12);
  }

  @Property(tries = 500)
  void everyShardHasALiveOwnerAndLoadIsBalanced(
      @ForAll @IntRange(min = 0, max = 300) int shards,
      @ForAll("members") List<String> members,
      @ForAll long seed) {
    Map<Integer, String> current = randomOwners(shards, members, new Random(seed));

    Map<Integer, String> result = RendezvousAssignment.reassign(current, shards, members);

    assertBalanced(result, shards, members);
  }

  @Property(tries = 300)
  void theResultDoesNotDependOnMemberOrderOrDuplicates(
      @ForAll @IntRange(min = 1, max = 200) int shards,
      @ForAll("members") List<String> members,
      @ForAll long seed) {
    Random random = new Random(seed);
    Map<Integer, String> current = randomOwners(shards, members, random);
    List<String> shuffled = new ArrayList<>(members);
    shuffled.addAll(members.subList(0, random.nextInt(members.size() + 1)));
    Collections.shuffle(shuffled, random);

    assertThat(RendezvousAssignment.reassign(current, shards, shuffled))
        .isEqualTo(RendezvousAssignment.reassign(new HashMap<>(current), shards, members));
    assertThat(RendezvousAssignment.assign(shards, shuffled))
        .isEqualTo(RendezvousAssignment.assign(shards, members));
  }

  @Property(tries = 300)
  void aBalancedAssignmentIsAFixedPoint(
      @ForAll @IntRange(min = 1, max = 200) int shards,
      @ForAll("members") List<String> members,
      @ForAll long seed) {
    Map<Integer, String> once =
        RendezvousAssignment.reassign(randomOwners(shards, members, new Random(seed)), shards, members);

    assertThat(RendezvousAssignment.reassign(once, shards, members)).isEqualTo(once);
  }

  @Property(tries = 300)
  void whenAMemberLeavesExactlyItsShardsMove(
      @ForAll @IntRange(min = 1, max = 300) int shards,
      @ForAll("members") List<String> members,
      @ForAll long seed) {
    if (members.size() < 2) {
      return;
    }
    Random random = new Random(seed);
    Map<Integer, String> before = balancedByHistory(shards, members, random);
    String leaver = members.get(random.nextInt(members.size()));
    List<String> after = new ArrayList<>(members);
    after.remove(leaver);

    Map<Integer, String> result = RendezvousAssignment.reassign(before, shards, after);

    Set<Integer> leaversShards = shardsOf(before, leaver);
    assertThat(moved(before, result)).isEqualTo(leaversShards);
    assertThat(leaversShards.size()).isBetween(shards / members.size(), ceilDiv(shards, members.size()));
    assertBalanced(result, shards, after);
  }

  @Property(tries = 300)
  void whenAMemberJoinsExactlyFloorOfSOverNPlusOneShardsMoveAllToIt(
      @ForAll @IntRange(min = 1, max = 300) int shards,
      @ForAll("members") List<String> members,
      @ForAll long seed) {
    Random random = new Random(seed);
    Map<Integer, String> before = balancedByHistory(shards, members, random);
    String newcomer = "new-" + seed;
    List<String> after = new ArrayList<>(members);
    after.add(newcomer);

    Map<Integer, String> result = RendezvousAssignment.reassign(before, shards, after);

    Set<Integer> moved = moved(before, result);
    assertThat(moved).hasSize(shards / after.size());
    assertThat(moved).isEqualTo(shardsOf(result, newcomer));
    assertBalanced(result, shards, after);
  }

  @Property(tries = 200)
  void aRandomWalkOfJoinsAndLeavesKeepsEveryStepBalancedAndMinimal(
      @ForAll @IntRange(min = 1, max = 120) int shards,
      @ForAll long seed) {
    Random random = new Random(seed);
    List<String> live = new ArrayList<>(List.of("vm-0"));
    Map<Integer, String> owners = RendezvousAssignment.assign(shards, live);
    for (int step = 1; step <= 30; step++) {
      boolean join = live.size() < 2 || random.nextBoolean();
      List<String> next = new ArrayList<>(live);
      String changed = join ? "vm-" + step : live.get(random.nextInt(live.size()));
      if (join) {
        next.add(changed);
      } else {
        next.remove(changed);
      }
      Map<Integer, String> result = RendezvousAssignment.reassign(owners, shards, next);

      assertBalanced(result, shards, next);
      if (join) {
        assertThat(moved(owners, result)).hasSize(shards / next.size())
            .isEqualTo(shardsOf(result, changed));
      } else {
        assertThat(moved(owners, result)).isEqualTo(shardsOf(owners, changed));
      }
      owners = result;
      live = next;
    }
  }

  @Property(tries = 1000)
  void movementIsTheMinimumOverAllBalancedAssignments(
      @ForAll @IntRange(min = 1, max = 7) int shards,
      @ForAll @IntRange(min = 1, max = 3) int n,
      @ForAll long seed) {
    Random random = new Random(seed);
    List<String> pool = List.of("a", "b", "c", "d", "e");
    List<String> shuffled = new ArrayList<>(pool);
    Collections.shuffle(shuffled, random);
    List<String> members = shuffled.subList(0, n);
    Map<Integer, String> current = randomOwners(shards, pool, random);

    Map<Integer, String> result = RendezvousAssignment.reassign(current, shards, members);

    assertThat(moved(current, result)).hasSize(minimumMovement(current, shards, members));
  }

  // --- helpers ---

  private static void assertBalanced(Map<Integer, String> result, int shards, List<String> members) {
    Set<String> live = new TreeSet<>(members);
    if (live.isEmpty() || shards == 0) {
      assertThat(result).isEmpty();
      return;
    }
    assertThat(result.keySet()).containsExactlyElementsOf(range(shards));
    assertThat(live).containsAll(result.values());
    Map<String, Integer> load = new HashMap<>();
    live.forEach(m -> load.put(m, 0));
    result.values().forEach(m -> load.merge(m, 1, Integer::sum));
    int n = live.size();
    assertThat(load.values()).allSatisfy(c -> assertThat(c).isBetween(shards / n, ceilDiv(shards, n)));
  }

  /** A balanced assignment reached through a few random joins and leaves, not only from scratch. */
  private static Map<Integer, String> balancedByHistory(int shards, List<String> members, Random random) {
    Set<String> live = new TreeSet<>(members);
    Map<Integer, String> owners = RendezvousAssignment.assign(shards, List.of(members.get(0)));
    for (int i = 0; i < 3; i++) {
      List<String> subset = new ArrayList<>();
      for (String m : members) {
        if (random.nextBoolean()) {
          subset.add(m);
        }
      }
      subset.add("temp-" + i);
      owners = RendezvousAssignment.reassign(owners, shards, subset);
    }
    return RendezvousAssignment.reassign(owners, shards, live);
  }

  private static Map<Integer, String> randomOwners(int shards, List<String> members, Random random) {
    Map<Integer, String> owners = new HashMap<>();
    for (int s = -1; s <= shards; s++) {
      int pick = random.nextInt(members.size() + 2);
      if (pick < members.size()) {
        owners.put(s, members.get(pick));
      } else if (pick == members.size()) {
        owners.put(s, "gone");
      }
    }
    return owners;
  }

  /** Brute force: the fewest owner changes of any balanced assignment of shards to members. */
  private static int minimumMovement(Map<Integer, String> current, int shards, List<String> members) {
    int n = members.size();
    int[] choice = new int[shards];
    int best = Integer.MAX_VALUE;
    int total = (int) Math.pow(n, shards);
    for (int code = 0; code < total; code++) {
      int c = code;
      int[] load = new int[n];
      int moved = 0;
      for (int s = 0; s < shards; s++) {
        choice[s] = c % n;
        c /= n;
        load[choice[s]]++;
        if (!members.get(choice[s]).equals(current.get(s))) {
          moved++;
        }
      }
      boolean balanced = true;
      for (int l : load) {
        balanced &= l >= shards / n && l <= ceilDiv(shards, n);
      }
      if (balanced) {
        best = Math.min(best, moved);
      }
    }
    return best;
  }

  private static Set<Integer> moved(Map<Integer, String> before, Map<Integer, String> after) {
    Set<Integer> moved = new TreeSet<>();
    for (Map.Entry<Integer, String> e : after.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) {
        moved.add(e.getKey());
      }
    }
    return moved;
  }

  private static Set<Integer> shardsOf(Map<Integer, String> owners, String member) {
    Set<Integer> shards = new TreeSet<>();
    owners.forEach((s, m) -> {
      if (m.equals(member)) {
        shards.add(s);
      }
    });
    return shards;
  }

  private static List<Integer> range(int n) {
    List<Integer> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(i);
    }
    return list;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
