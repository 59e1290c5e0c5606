package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Where multi-shard parts go among a lane's writes: learned from the sequencer's chain, placed in LSN order. */
class PartOrderTest {
  @Test
  void aNamedPredecessorIsExpectedUntilItsPrepareComesAndIsPlaced() {
    PartOrder<String> order = new PartOrder<>(10);
    // The lane's group at LSN 15 has multi-shard m1 (LSN 12) right before it.
    order.predecessor(12, "m1", 0);
    assertThat(order.first().txId).isEqualTo("m1");
    assertThat(order.first().prepare).isNull();

    PartOrder.Part<String> m1 = order.arrived("m1", 12, "prepare-m1", 11, "", 1);
    assertThat(m1).isSameAs(order.first());
    assertThat(PartOrder.follows(m1, 10)).isFalse(); // LSN 11 (the lane's own) is not placed yet
    assertThat(PartOrder.follows(m1, 11)).isTrue();

    order.placed(11);
    order.prepared(m1, 2);
    assertThat(order.held()).isSameAs(m1);
    assertThat(order.first()).isNull();
    assertThat(order.placedLsn()).isEqualTo(12);
    order.settle("m1");
    assertThat(order.held()).isNull();
  }

  @Test
  void aPartsOwnPredecessorComesFirst() {
    PartOrder<String> order = new PartOrder<>(0);
    order.predecessor(20, "m2", 0);
    // m2's prepare names m1 (LSN 17), which nothing of the lane named: it must go before m2.
    order.arrived("m2", 20, "prepare-m2", 17, "m1", 1);
    assertThat(order.first().txId).isEqualTo("m1");
    order.arrived("m1", 17, "prepare-m1", 5, "", 2);
    assertThat(order.first().txId).isEqualTo("m1");
    order.prepared(order.first(), 3);
    assertThatThrownBy(() -> order.prepared(order.first(), 4)).isInstanceOf(IllegalStateException.class);
    order.settle("m1");
    assertThat(order.first().txId).isEqualTo("m2");
  }

  @Test
  void settledOrOvertakenPartsAreRefusedAndForgottenOnesIgnored() {
    PartOrder<String> order = new PartOrder<>(0);
    order.predecessor(5, "m1", 0);
    // Resolved (aborted) before its prepare came: a late prepare is refused, and it is not expected again.
    order.settle("m1");
    assertThat(order.first()).isNull();
    assertThat(order.arrived("m1", 5, "late", 4, "", 1)).isNull();
    order.predecessor(5, "m1", 2);
    assertThat(order.first()).isNull();
    assertThat(order.isSettled("m1")).isTrue();

    // Writes up to LSN 30 are on the shard: a part below can no longer be placed; a name below is old news.
    order.placed(30);
    assertThat(order.arrived("m3", 25, "too-late", 20, "", 3)).isNull();
    order.predecessor(28, "m4", 3);
    assertThat(order.first()).isNull();
    // A second prepare of the same part does not replace the first.
    assertThat(order.arrived("m5", 40, "first", 30, "", 4)).isNotNull();
    assertThat(order.arrived("m5", 40, "second", 30, "", 5)).isNull();
    assertThat(order.first().prepare).isEqualTo("first");
    assertThat(order.pendingParts()).extracting(p -> p.txId).containsExactly("m5");
  }

  @Test
  void settledIdsAreRememberedWithinABound() {
    PartOrder<String> order = new PartOrder<>(0);
    for (int i = 0; i <= PartOrder.SETTLED_MEMORY; i++) {
      order.settle("t" + i);
    }
    assertThat(order.isSettled("t0")).isFalse();
    assertThat(order.isSettled("t1")).isTrue();
    assertThat(order.isSettled("t" + PartOrder.SETTLED_MEMORY)).isTrue();
  }
}
