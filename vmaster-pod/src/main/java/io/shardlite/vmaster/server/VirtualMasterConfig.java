package io.shardlite.vmaster.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a virtual master is started with. It keeps no state of its own: ownership comes
 * from the sequencer, data from the shard groups.
 *
 * @param advertiseAddress host:port other virtual masters use to forward to this one (empty = the
 *     bind address and the gRPC port)
 * @param speculation how far lanes run ahead of their multi-shard parts' decisions
 * @param entryGap how long a lane pauses after each shard entry before it proposes the next
 *     (0: none). Fewer, larger entries: on a CPU-bound host with many shards, each Raft entry's
 *     fixed cost (log write, replication, apply) outweighs the latency the pause adds.
 */
public record VirtualMasterConfig(
    String vmId,
    String clusterName,
    String bindAddress,
    int grpcPort,
    int metricsPort,
    String advertiseAddress,
    List<String> sequencer,
    List<String> shardServers,
    int shards,
    Duration lease,
    Duration heartbeat,
    Duration requestTimeout,
    Duration drainTimeout,
    int maxLaneBatch,
    int lanePipeline,
    Speculation speculation,
    Duration entryGap,
    int lsnRequestsInFlight,
    int lsnBatchLimit,
    int maxTxBytes,
    Path readyFile) {

  /** A longer pause would make every write wait longer than a shard entry's round trip ever takes. */
  public static final Duration MAX_ENTRY_GAP = Duration.ofSeconds(1);

  public VirtualMasterConfig {
    if (vmId == null || vmId.isBlank()) {
      throw new IllegalArgumentException("virtual master id is required");
    }
    if (sequencer.isEmpty() || shardServers.isEmpty()) {
      throw new IllegalArgumentException("both --sequencer and --shard-servers are required");
    }
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    if (heartbeat.compareTo(lease) >= 0) {
      throw new IllegalArgumentException("heartbeat (" + heartbeat + ") must be shorter than the lease (" + lease + ")");
    }
    if (maxLaneBatch < 1 || maxTxBytes < 1024) {
      throw new IllegalArgumentException("max lane batch must be >= 1 and max transaction bytes >= 1024");
    }
    if (lsnRequestsInFlight < 0 || lsnRequestsInFlight > 512 || lsnBatchLimit < 1) {
      throw new IllegalArgumentException("LSN requests in flight must be in [0, 512] and the LSN batch limit >= 1, got "
          + lsnRequestsInFlight + " and " + lsnBatchLimit);
    }
    if (lanePipeline < 1 || lanePipeline > 64) {
      throw new IllegalArgumentException("lane pipeline must be in [1, 64], got " + lanePipeline);
    }
    if (entryGap.isNegative() || entryGap.compareTo(MAX_ENTRY_GAP) > 0) {
      throw new IllegalArgumentException("the entry gap must be in [0, " + MAX_ENTRY_GAP.toMillis() + " ms], got "
          + entryGap.toMillis() + " ms");
    }
    sequencer = List.copyOf(sequencer);
    shardServers = List.copyOf(shardServers);
  }
}
