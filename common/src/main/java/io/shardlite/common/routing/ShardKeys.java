package io.shardlite.common.routing;

import java.nio.charset.StandardCharsets;

/**
 * The stable map from a shard key to a shard, shared by clients and servers: FNV-1a (64 bit) of
 * the key's UTF-8 bytes, modulo the number of shards (non-negative). Changing it moves every row.
 */
public final class ShardKeys {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private ShardKeys() {}

  public static int shardOf(String key, int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    long hash = FNV_OFFSET;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= FNV_PRIME;
    }
    return (int) Math.floorMod(hash, (long) shards);
  }
}
