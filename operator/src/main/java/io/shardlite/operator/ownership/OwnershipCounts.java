package io.shardlite.operator.ownership;

import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.ShardOwner;
import io.shardlite.proto.VmAddress;
import java.util.Map;
import java.util.TreeMap;

/** Counts a full ownership table per virtual master. Pure. */
public final class OwnershipCounts {
  /** The key of shards no virtual master owns (between a leaver's expiry and the next assignment). */
  public static final String UNOWNED = "(unowned)";

  private OwnershipCounts() {}

  public static Map<String, Integer> perVirtualMaster(OwnershipUpdate full) {
    if (!full.getFull()) {
      throw new IllegalArgumentException("a full ownership table is needed, got a change");
    }
    Map<String, Integer> counts = new TreeMap<>();
    for (VmAddress vm : full.getVmsList()) {
      counts.put(vm.getVmId(), 0);
    }
    for (ShardOwner owner : full.getOwnersList()) {
      counts.merge(owner.getOwner().isEmpty() ? UNOWNED : owner.getOwner(), 1, Integer::sum);
    }
    return counts;
  }
}
