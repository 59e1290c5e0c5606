package io.shardlite.common.placement;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one look at the shard servers saw: every shard group that some node reported, and which
 * nodes answered. Shards in {@code 0..shards-1} missing from {@code groups} were reported by no
 * node (all their members down or unknown).
 *
 * @param shards how many shards the cluster has
 * @param groups observed groups by shard id
 * @param reachableNodes nodes that answered (only these receive new replicas)
 */
public record ClusterObservation(int shards, Map<Integer, GroupObservation> groups, Set<String> reachableNodes) {
  public ClusterObservation {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    groups = Collections.unmodifiableMap(new TreeMap<>(groups));
    reachableNodes = Set.copyOf(reachableNodes);
    for (Map.Entry<Integer, GroupObservation> e : groups.entrySet()) {
      if (e.getKey() < 0 || e.getKey() >= shards || e.getValue().shard() != e.getKey()) {
        throw new IllegalArgumentException("group " + e.getKey() + " is not a shard in 0.." + (shards - 1)
            + " or is keyed under another id");
      }
    }
  }

  /**
   * Builds the observation from what each answering node listed. The group's configuration is the
   * one its leader reports (the highest term wins if two claim to lead); a member is lagging when it
   * did not report the group or its applied index is more than {@code maxLagEntries} behind the
   * leader's commit index.
   *
   * @param listings groups listed by each node that answered (nodes that did not answer are absent)
   */
  public static ClusterObservation fromListings(int shards, Map<String, List<HostedGroup>> listings,
      long maxLagEntries) {
    if (maxLagEntries < 0) {
      throw new IllegalArgumentException("maxLagEntries must be >= 0, got " + maxLagEntries);
    }
    Map<Integer, Map<String, HostedGroup>> byShard = new TreeMap<>();
    for (Map.Entry<String, List<HostedGroup>> node : new TreeMap<>(listings).entrySet()) {
      for (HostedGroup g : node.getValue()) {
        if (g.shard() >= 0 && g.shard() < shards) {
          byShard.computeIfAbsent(g.shard(), k -> new TreeMap<>()).put(node.getKey(), g);
        }
      }
    }
    Map<Integer, GroupObservation> groups = new TreeMap<>();
    byShard.forEach((shard, reports) -> groups.put(shard, observe(shard, reports, maxLagEntries)));
    return new ClusterObservation(shards, groups, listings.keySet());
  }

  private static GroupObservation observe(int shard, Map<String, HostedGroup> reports, long maxLag) {
    String leader = reports.entrySet().stream()
        .filter(e -> e.getValue().isLeader())
        .max(Comparator.<Map.Entry<String, HostedGroup>>comparingLong(e -> e.getValue().term())
            .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
        .map(Map.Entry::getKey)
        .orElse(null);
    Set<String> members = new TreeSet<>();
    long commit;
    if (leader != null) {
      members.addAll(reports.get(leader).members());
      members.add(leader);
      commit = reports.get(leader).commitIndex();
    } else {
      reports.values().forEach(g -> members.addAll(g.members()));
      commit = Long.MAX_VALUE;
    }
    Set<String> lagging = new HashSet<>();
    Set<String> unreported = new HashSet<>();
    for (String m : members) {
      HostedGroup r = reports.get(m);
      if (r == null) {
        unreported.add(m);
        lagging.add(m);
      } else if (leader != null && r.appliedIndex() < commit - maxLag) {
        lagging.add(m);
      }
    }
    List<String> strays = new ArrayList<>();
    for (String node : reports.keySet()) {
      if (!members.contains(node)) {
        strays.add(node);
      }
    }
    return new GroupObservation(shard, List.copyOf(members), leader, lagging, unreported, new HashSet<>(strays));
  }

  /** Replicas per node, counted from the groups' configurations. */
  public Map<String, Integer> replicasPerNode() {
    Map<String, Integer> counts = new TreeMap<>();
    for (GroupObservation g : groups.values()) {
      for (String m : g.members()) {
        counts.merge(m, 1, Integer::sum);
      }
    }
    return counts;
  }
}
