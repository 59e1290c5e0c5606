package io.shardlite.common.placement;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Initial placement of shard replicas on nodes. Pure and deterministic: the same arguments always
 * give the same answer, so every process that knows the shard count, the node list (in the same
 * order) and the replication factor computes the same placement without talking to anyone.
 *
 * <p>Guarantees of {@link #initial}:
 *
 * <ul>
 *   <li>each shard gets {@code replicationFactor} distinct nodes;
 *   <li>each node holds {@code floor} or {@code ceil} of {@code shards * rf / nodes} replicas;
 *   <li>the first node of each list is the shard's preferred leader, and each node is the
 *       preferred leader of {@code floor} or {@code ceil} of {@code shards / nodes} shards.
 * </ul>
 *
 * <p>How: shards are taken in blocks of {@code n = nodes.size()}. In a full block, shard {@code w}
 * of the block starts at node {@code w} and takes the next {@code rf} nodes around the ring
 * (plain rotation: every node gets exactly {@code rf} replicas and one leadership per block). The
 * last, partial block of {@code q < n} shards spreads its starting points evenly around the ring
 * ({@code start = floor(w * n / q)}), so the {@code rf}-long arcs overlap each node {@code
 * floor(q*rf/n)} or {@code ceil(q*rf/n)} times and the starts (leaders) are distinct.
 */
public final class ReplicaPlacement {
  private ReplicaPlacement() {}

  /**
   * Replica lists for shards {@code 0 .. shards-1}, in shard order; the first node of each list is
   * the preferred leader. Node order matters: pass the nodes in the same order everywhere.
   *
   * @throws IllegalArgumentException if {@code shards < 1}, {@code replicationFactor < 1}, {@code
   *     replicationFactor > nodes.size()}, or the node list is empty or has null, blank or
   *     duplicate ids
   */
  public static Map<Integer, List<String>> initial(
      int shards, List<String> nodes, int replicationFactor) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    if (nodes == null || nodes.isEmpty()) {
      throw new IllegalArgumentException("nodes must not be empty");
    }
    Set<String> seen = new HashSet<>();
    for (String node : nodes) {
      if (node == null || node.isBlank()) {
        throw new IllegalArgumentException("node ids must not be null or blank: " + nodes);
      }
      if (!seen.add(node)) {
        throw new IllegalArgumentException("duplicate node id '" + node + "' in " + nodes);
      }
    }
    int n = nodes.size();
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replicationFactor must be >= 1, got " + replicationFactor);
    }
    if (replicationFactor > n) {
      throw new IllegalArgumentException(
          "replicationFactor " + replicationFactor + " exceeds the number of nodes (" + n + ")");
    }

    List<String> ring = List.copyOf(nodes);
    Map<Integer, List<String>> placement = new LinkedHashMap<>();
    for (int shard = 0; shard < shards; shard++) {
      int blockStart = shard - shard % n;
      int blockSize = Math.min(n, shards - blockStart);
      int w = shard - blockStart;
      int start = (int) ((long) w * n / blockSize);
      List<String> replicas = new ArrayList<>(replicationFactor);
      for (int k = 0; k < replicationFactor; k++) {
        replicas.add(ring.get((start + k) % n));
      }
      placement.put(shard, List.copyOf(replicas));
    }
    return Collections.unmodifiableMap(placement);
  }
}
