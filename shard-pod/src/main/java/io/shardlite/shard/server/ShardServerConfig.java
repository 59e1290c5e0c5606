package io.shardlite.shard.server;

import java.nio.file.Path;
import java.time.Duration;
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
 * @param bootstrap whether a first start (no marker in the data directory) may create this
 *     server's members of the initial placement; false once the cluster exists, so a server whose
 *     volume was replaced starts empty instead of voting in its groups with an empty log
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
    Map<String, String> ratisOverrides,
    boolean bootstrap) {

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

}
