package io.shardlite.vmaster.server;

import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.ShardOwner;
import io.shardlite.proto.VmAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * This virtual master's copy of the sequencer's ownership table and of the virtual masters'
 * addresses, kept from the watch stream (a full table, then changes in log order).
 */
final class OwnershipView {
  private final Map<Integer, ShardOwner> owners = new HashMap<>();
  private final Map<String, String> addresses = new HashMap<>();
  private long appliedIndex;

  /** Applies one update; returns this view after it. */
  synchronized OwnershipView apply(OwnershipUpdate update) {
    if (update.getFull()) {
      owners.clear();
    }
    update.getOwnersList().forEach(o -> owners.put(o.getShard(), o));
    if (update.getVmsCount() > 0) {
      addresses.clear();
      for (VmAddress vm : update.getVmsList()) {
        addresses.put(vm.getVmId(), vm.getAddress());
      }
    }
    appliedIndex = Math.max(appliedIndex, update.getAppliedIndex());
    return this;
  }

  synchronized Optional<ShardOwner> owner(int shard) {
    ShardOwner o = owners.get(shard);
    return o == null || o.getOwner().isEmpty() ? Optional.empty() : Optional.of(o);
  }

  synchronized Optional<String> address(String vmId) {
    return Optional.ofNullable(addresses.get(vmId));
  }

  /** The shards {@code vmId} owns now, with their epochs. */
  synchronized Map<Integer, Long> ownedBy(String vmId) {
    Map<Integer, Long> mine = new HashMap<>();
    owners.values().forEach(o -> {
      if (o.getOwner().equals(vmId)) {
        mine.put(o.getShard(), o.getEpoch());
      }
    });
    return mine;
  }

  synchronized Map<String, Integer> load() {
    Map<String, Integer> load = new HashMap<>();
    owners.values().forEach(o -> {
      if (!o.getOwner().isEmpty()) {
        load.merge(o.getOwner(), 1, Integer::sum);
      }
    });
    return load;
  }
}
