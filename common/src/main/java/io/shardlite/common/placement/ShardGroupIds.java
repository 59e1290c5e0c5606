package io.shardlite.common.placement;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/** Stable Raft group ids for shards: a name-based (type 3) UUID of the cluster name and shard id. */
public final class ShardGroupIds {
  private ShardGroupIds() {}

  /**
   * {@code UUID.nameUUIDFromBytes(("shardlite/" + clusterName + "/shard/" + shardId) in UTF-8)}.
   * Deterministic, so every node derives the same Ratis group id for a shard.
   */
  public static UUID groupUuid(String clusterName, int shardId) {
    Objects.requireNonNull(clusterName, "clusterName");
    if (shardId < 0) {
      throw new IllegalArgumentException("shardId must be >= 0, got " + shardId);
    }
    String name = "shardlite/" + clusterName + "/shard/" + shardId;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
  }
}
