package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.operator.ownership.OwnershipCounts;
import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.ShardOwner;
import io.shardlite.proto.VmAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnershipCountsTest {
  private static ShardOwner owner(int shard, String vm) {
    return ShardOwner.newBuilder().setShard(shard).setOwner(vm).setEpoch(1).build();
  }

  @Test
  void countsShardsPerVirtualMasterIncludingIdleOnesAndUnownedShards() {
    OwnershipUpdate table = OwnershipUpdate.newBuilder().setFull(true)
        .addVms(VmAddress.newBuilder().setVmId("vm-a")).addVms(VmAddress.newBuilder().setVmId("vm-b"))
        .addVms(VmAddress.newBuilder().setVmId("vm-c").setDraining(true))
        .addOwners(owner(0, "vm-a")).addOwners(owner(1, "vm-b")).addOwners(owner(2, "vm-a")).addOwners(owner(3, ""))
        .build();
    assertThat(OwnershipCounts.perVirtualMaster(table))
        .isEqualTo(Map.of("vm-a", 2, "vm-b", 1, "vm-c", 0, OwnershipCounts.UNOWNED, 1));
  }

  @Test
  void aChangeIsNotATable() {
    assertThatThrownBy(() -> OwnershipCounts.perVirtualMaster(OwnershipUpdate.newBuilder().setFull(false).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
