package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.ShardOwner;
import io.shardlite.proto.VmAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnershipViewTest {

  private static ShardOwner owner(int shard, String vm, long epoch) {
    return ShardOwner.newBuilder().setShard(shard).setOwner(vm).setEpoch(epoch).build();
  }

  @Test
  void aFullTableReplacesEverythingAndChangesApplyOnTop() {
    OwnershipView view = new OwnershipView();
    view.apply(OwnershipUpdate.newBuilder().setFull(true).addOwners(owner(0, "a", 1)).addOwners(owner(1, "b", 1))
        .addOwners(owner(2, "", 0)).addVms(VmAddress.newBuilder().setVmId("a").setAddress("h:1"))
        .addVms(VmAddress.newBuilder().setVmId("b").setAddress("h:2")).build());
    assertThat(view.ownedBy("a")).isEqualTo(Map.of(0, 1L));
    assertThat(view.owner(2)).isEmpty();
    assertThat(view.address("b")).contains("h:2");

    view.apply(OwnershipUpdate.newBuilder().addOwners(owner(1, "a", 2))
        .addVms(VmAddress.newBuilder().setVmId("a").setAddress("h:1")).build());
    assertThat(view.ownedBy("a")).isEqualTo(Map.of(0, 1L, 1, 2L));
    assertThat(view.ownedBy("b")).isEmpty();
    assertThat(view.address("b")).isEmpty();
    assertThat(view.load()).isEqualTo(Map.of("a", 2));

    view.apply(OwnershipUpdate.newBuilder().setFull(true).addOwners(owner(0, "c", 3)).build());
    assertThat(view.ownedBy("a")).isEmpty();
    assertThat(view.owner(1)).isEmpty();
  }
}
