package io.shardlite.common.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardKeysTest {

  @Test
  void theMapIsFixedForever() {
    // Known FNV-1a 64 values: changing the function would move every row.
    assertThat(ShardKeys.shardOf("", 1 << 30)).isEqualTo((int) Math.floorMod(0xcbf29ce484222325L, 1L << 30));
    assertThat(ShardKeys.shardOf("a", 1 << 30)).isEqualTo((int) Math.floorMod(0xaf63dc4c8601ec8cL, 1L << 30));
    assertThat(ShardKeys.shardOf("account-42", 16)).isEqualTo(ShardKeys.shardOf("account-42", 16));
  }

  @Test
  void keysSpreadOverAllShards() {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i = 0; i < 16_000; i++) {
      counts.merge(ShardKeys.shardOf("key-" + i, 16), 1, Integer::sum);
    }
    assertThat(counts).hasSize(16).allSatisfy((shard, n) -> assertThat(n).isBetween(800, 1200));
  }

  @Test
  void aBadShardCountIsRefused() {
    assertThatThrownBy(() -> ShardKeys.shardOf("k", 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
