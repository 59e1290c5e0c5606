package io.shardlite.shard.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a shard server is told at start. Built from flags/environment by {@link ShardServerMain}
 * and directly by tests and the local launcher.
 *
 * @param initialPeers node id to Raft address (host:port) of the shard servers that bootstrap the
 *     cluster; the shard groups are placed over them on first start only
 * @param proposalsInFlight Raft entries a shard may have outstanding; writes arriving meanwhile
 *     are grouped into the next entry (group commit)
 * @param ratisOverrides raw Ratis properties applied after shardlite's own settings (expert tuning)
 */
public record ShardServerConfig(
    String nodeId,
    String clusterName,
    Path dataDir,
    String bindAddress,
    int ratisPort,
    int grpcPort,
    int metricsPort,
    Map<String, String> initialPeers,
    int shards,
    int replicationFactor,
    int maxBatchBytes,
    long snapshotThreshold,
    long logSegmentBytes,
    int logPurgeGap,
    Duration electionTimeoutMin,
    Duration requestTimeout,
    Duration followerMaxLag,
    int proposalsInFlight,
    Path readyFile,
    Map<String, String> ratisOverrides) {

  public ShardServerConfig {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("node id is required");
    }
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + shards);
    }
    if (maxBatchBytes < 1024) {
      throw new IllegalArgumentException("max batch bytes must be at least 1024, got " + maxBatchBytes);
    }
    if (proposalsInFlight < 1) {
      throw new IllegalArgumentException("proposals in flight must be at least 1, got " + proposalsInFlight);
    }
    initialPeers = Map.copyOf(initialPeers);
    ratisOverrides = ratisOverrides == null ? Map.of() : Map.copyOf(ratisOverrides);
  }

  /** Parses {@code id=host:port,id=host:port}. */
  public static Map<String, String> parsePeers(String spec) {
    Map<String, String> peers = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return peers;
    }
    for (String part : spec.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1 || p.indexOf(':', eq) < 0) {
        throw new IllegalArgumentException("peer '" + p + "' is not of the form id=host:port");
      }
      if (peers.put(p.substring(0, eq), p.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("peer id '" + p.substring(0, eq) + "' appears twice");
      }
    }
    return peers;
  }

  public static String formatPeers(Map<String, String> peers) {
    StringBuilder sb = new StringBuilder();
    peers.forEach((id, addr) -> sb.append(sb.length() == 0 ? "" : ",").append(id).append('=').append(addr));
    return sb.toString();
  }
}
