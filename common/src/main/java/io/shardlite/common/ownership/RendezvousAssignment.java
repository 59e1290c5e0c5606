package io.shardlite.common.ownership;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Shard ownership over the live virtual masters: rendezvous (highest-random-weight) hashing with
 * a balancing step. Pure and deterministic: the answer depends only on the arguments (not on the
 * iteration order of {@code members}, not on the JVM), so every sequencer replica computes the
 * same owners.
 *
 * <p><b>Weights.</b> {@link #weight} mixes a shard id and a member id into a 64-bit value with a
 * fixed function (FNV-1a over the id's UTF-8 bytes, then the SplitMix64 finalizer); it never
 * changes between versions (its values are pinned by a test). A shard prefers the members with
 * the highest weights.
 *
 * <p><b>Balance.</b> With {@code n} members, {@code q = S / n} and {@code r = S % n}: every member
 * owns {@code q} or {@code q + 1} shards and exactly {@code r} members own {@code q + 1}.
 *
 * <p><b>How {@link #reassign} works.</b>
 *
 * <ol>
 *   <li><i>Keep.</i> A live member keeps the shards it owns now, up to its capacity. The {@code r}
 *       "+1" capacities go to members that hold more than {@code q} shards now (in member id
 *       order), so the number of kept shards is the largest any balanced assignment can keep. A
 *       member over capacity keeps its highest-weight shards.
 *   <li><i>Fill.</i> Every other shard (unowned, owner gone, or over capacity), in shard order,
 *       goes to its highest-weight member that still has room (bounded-load rendezvous).
 * </ol>
 *
 * <p><b>Movement (argued here, checked by {@code RendezvousAssignmentPropertiesTest}).</b> A
 * shard "moves" when its owner differs between {@code current} and the result.
 *
 * <ul>
 *   <li>In general, the result moves the minimum number of shards of ANY balanced assignment
 *       (step 1 keeps the maximum: member {@code m} holding {@code c(m)} shards can keep at most
 *       {@code min(c(m), cap(m))}, which is {@code sum min(c(m), q) + min(r, #{m : c(m) > q})}
 *       at best, exactly what step 1 keeps; step 2 never hands a shard back to an owner that had
 *       to drop it).
 *   <li>A member leaves a balanced assignment of {@code n >= 2} members: exactly the leaver's
 *       shards move ({@code floor(S/n)} or {@code ceil(S/n)}); no other shard moves. (The others
 *       hold {@code q} or {@code q+1}; with {@code n-1} members {@code q' >= q}, and if {@code q'
 *       == q} there are {@code r' = q + r >= r} "+1" capacities, enough for every holder of
 *       {@code q+1}.)
 *   <li>A member joins a balanced assignment of {@code n} members: exactly {@code floor(S/(n+1))}
 *       shards move, all of them to the newcomer. (Taking shards one by one from the largest
 *       holder to the newcomer reaches a balanced assignment after {@code floor(S/(n+1))} moves, so
 *       the minimum is at most that; the newcomer must receive at least that many, so every moved
 *       shard goes to it.)
 * </ul>
 *
 * <p>The result depends on the current owners (history), not only on the member set: {@link
 * #assign} gives the assignment from scratch.
 */
public final class RendezvousAssignment {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private RendezvousAssignment() {}

  /** An assignment from scratch: {@code reassign} with no current owners. */
  public static Map<Integer, String> assign(int shards, Collection<String> members) {
    return reassign(Map.of(), shards, members);
  }

  /**
   * Owners for shards {@code 0 .. shards-1}, balanced over {@code members}, keeping as many
   * current owners as balance allows (see the class comment for the exact bounds).
   *
   * @param current the owners now; entries for shards out of range or for owners that are not in
   *     {@code members} are ignored
   * @param members the live members (order and duplicates do not matter)
   * @return an unmodifiable map sorted by shard id with an owner for every shard, or an empty map
   *     when there are no members
   * @throws IllegalArgumentException if {@code shards < 0} or a member id is null or blank
   */
  public static Map<Integer, String> reassign(
      Map<Integer, String> current, int shards, Collection<String> members) {
    if (shards < 0) {
      throw new IllegalArgumentException("shards must be >= 0, got " + shards);
    }
    TreeSet<String> live = new TreeSet<>();
    for (String m : members) {
      if (m == null || m.isBlank()) {
        throw new IllegalArgumentException("member ids must not be null or blank: " + members);
      }
      live.add(m);
    }
    if (live.isEmpty() || shards == 0) {
      return Map.of();
    }
    List<String> ids = List.copyOf(live);
    int n = ids.size();
    int q = shards / n;
    int r = shards % n;
    long[] memberHashes = new long[n];
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < n; i++) {
      memberHashes[i] = memberHash(ids.get(i));
      index.put(ids.get(i), i);
    }

    // Current holdings of live members.
    List<List<Integer>> held = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      held.add(new ArrayList<>());
    }
    for (int s = 0; s < shards; s++) {
      Integer i = index.get(current.get(s));
      if (i != null) {
        held.get(i).add(s);
      }
    }

    // Step 1: keep. The r "+1" capacities go to members holding more than q (in id order): each
    // such grant keeps one more shard, so any r of them keep the maximum.
    int plusLeft = r;
    int[] count = new int[n];
    String[] owner = new String[shards];
    for (int i = 0; i < n; i++) {
      int capacity = q;
      if (plusLeft > 0 && held.get(i).size() > q) {
        capacity = q + 1;
        plusLeft--;
      }
      List<Integer> mine = held.get(i);
      if (mine.size() > capacity) {
        long h = memberHashes[i];
        mine.sort(Comparator.<Integer>comparingLong(s -> mix(h, s)).reversed()
            .thenComparing(Comparator.naturalOrder()));
        mine = mine.subList(0, capacity);
      }
      for (int s : mine) {
        owner[s] = ids.get(i);
      }
      count[i] = mine.size();
    }

    // Step 2: fill. Each remaining shard goes to its highest-weight member with room.
    for (int s = 0; s < shards; s++) {
      if (owner[s] != null) {
        continue;
      }
      int best = -1;
      long bestWeight = 0;
      for (int i = 0; i < n; i++) {
        boolean room = count[i] < q || (count[i] == q && plusLeft > 0);
        long w = mix(memberHashes[i], s);
        if (room && (best < 0 || w > bestWeight)) {
          best = i;
          bestWeight = w;
        }
      }
      // Total capacity is n*q + r == shards, so some member always has room.
      if (count[best] == q) {
        plusLeft--;
      }
      count[best]++;
      owner[s] = ids.get(best);
    }

    Map<Integer, String> result = new TreeMap<>();
    for (int s = 0; s < shards; s++) {
      result.put(s, owner[s]);
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * The rendezvous weight of {@code member} for {@code shard}: a fixed 64-bit function, identical
   * on every JVM and in every version. Higher is preferred (compared as signed longs).
   */
  public static long weight(int shard, String member) {
    return mix(memberHash(member), shard);
  }

  private static long mix(long memberHash, int shard) {
    return splitMix64(memberHash ^ splitMix64((shard + 1L) * GOLDEN_GAMMA));
  }

  private static long memberHash(String member) {
    long h = FNV_OFFSET;
    for (byte b : member.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= FNV_PRIME;
    }
    return splitMix64(h);
  }

  private static long splitMix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
