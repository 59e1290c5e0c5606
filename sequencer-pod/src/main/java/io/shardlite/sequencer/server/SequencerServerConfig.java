package io.shardlite.sequencer.server;

import io.shardlite.common.batch.GroupPacing;
import io.shardlite.sequencer.state.SequencerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything a sequencer replica is started with. Every replica of a group must get the same
 * {@code state} settings: they are the initial replicated state (and travel in snapshots after).
 *
 * @param nodeId this replica's Raft peer id (one of {@code peers})
 * @param clusterName the sequencer's Raft group id derives from it
 * @param peers every member, id to host:ratisPort
 * @param state the settings of the replicated state
 * @param tick how often the leader proposes {@code AbortExpired} (it also moves time for lease expiry)
 * @param snapshotThreshold log entries between snapshots
 * @param assignEntriesInFlight log entries of LSN requests the leader keeps outstanding; requests
 *     arriving meanwhile are grouped into the next entry
 * @param entryPacing when the leader holds its next entry back while the CPU is busy
 * @param readyFile written once the server serves, or null
 * @param ratisOverrides raw Ratis properties applied last
 */
public record SequencerServerConfig(
    String nodeId,
    String clusterName,
    Path dataDir,
    String bindAddress,
    int ratisPort,
    int grpcPort,
    int metricsPort,
    Map<String, String> peers,
    SequencerConfig state,
    Duration electionTimeoutMin,
    Duration tick,
    long snapshotThreshold,
    int assignEntriesInFlight,
    GroupPacing entryPacing,
    Path readyFile,
    Map<String, String> ratisOverrides) {

  public SequencerServerConfig {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("node id is required");
    }
    if (!peers.containsKey(nodeId)) {
      throw new IllegalArgumentException("node id '" + nodeId + "' is not among the peers " + peers.keySet());
    }
    if (peers.size() % 2 == 0) {
      throw new IllegalArgumentException("a sequencer group needs an odd number of members (1, 3 or 5), got " + peers.size());
    }
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException("tick must be > 0, got " + tick);
    }
    if (tick.toMillis() * 2 > state.maxTimeStepMillis()) {
      throw new IllegalArgumentException("the max time step (" + state.maxTimeStepMillis()
          + " ms) must be at least twice the tick (" + tick.toMillis() + " ms)");
    }
    if (snapshotThreshold < 1) {
      throw new IllegalArgumentException("snapshot threshold must be >= 1, got " + snapshotThreshold);
    }
    if (assignEntriesInFlight < 1) {
      throw new IllegalArgumentException("assign entries in flight must be >= 1, got " + assignEntriesInFlight);
    }
    if (entryPacing == null) {
      throw new IllegalArgumentException("entry pacing is required (GroupPacing.OFF for none)");
    }
    peers = Map.copyOf(peers);
    ratisOverrides = ratisOverrides == null ? Map.of() : Map.copyOf(ratisOverrides);
  }
}
