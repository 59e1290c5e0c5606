package io.shardlite.operator.ownership;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Which virtual master owns how many shards, as the sequencer (the ownership authority) says. */
public interface OwnershipObserver {
  /**
   * @param sequencerEndpoints the sequencer replicas' gRPC endpoints (host:port)
   * @return shards per virtual master id (registered virtual masters without shards count 0;
   *     unowned shards under {@link OwnershipCounts#UNOWNED}), or empty when not observable now
   */
  Optional<Map<String, Integer>> shardsPerVirtualMaster(List<String> sequencerEndpoints);
}
