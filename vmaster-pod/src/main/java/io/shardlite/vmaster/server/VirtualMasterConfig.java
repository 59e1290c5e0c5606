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
 * @param entryPacing when a lane pauses after a shard entry before it proposes the next
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
    EntryPacing entryPacing,
    int lsnRequestsInFlight,
    int lsnBatchLimit,
    int maxTxBytes,
    Path readyFile) {

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
    sequencer = List.copyOf(sequencer);
    shardServers = List.copyOf(shardServers);
  }
}
