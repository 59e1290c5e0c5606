package io.shardlite.shard.server;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;

/**
 * Decides whether a replica may serve a follower read within a staleness bound: a ready leader
 * may if a majority (itself included) was in contact within the bound, since a leader cut off
 * from its followers may already have been replaced; a follower may if it heard from its leader
 * within the bound; anything else may not. Nor may a replica whose file has lagged its applied
 * entries longer than the bound (speculative multi-shard parts kept its transaction open).
 */
final class FollowerReadGate {
  private FollowerReadGate() {}

  /** Throws LAG_TOO_HIGH (retryable) when the replica cannot promise the bound. */
  static void check(int shard, RoleInfoProto role, boolean leaderReady, long maxLagMillis) {
    check(shard, role, leaderReady, maxLagMillis, 0);
  }

  /** {@link #check(int, RoleInfoProto, boolean, long)} for a file {@code fileLagMillis} behind its applied entries. */
  static void check(int shard, RoleInfoProto role, boolean leaderReady, long maxLagMillis, long fileLagMillis) {
    if (fileLagMillis > maxLagMillis) {
      throw new ShardliteException(ErrorCode.LAG_TOO_HIGH, "shard " + shard + ": this replica cannot serve within "
          + maxLagMillis + " ms: multi-shard parts have kept its file behind for " + fileLagMillis + " ms");
    }
    String why;
    switch (role.getRole()) {
      case LEADER -> {
        long fresh = 1 + role.getLeaderInfo().getFollowerInfoList().stream()
            .filter(f -> f.getLastRpcElapsedTimeMs() <= maxLagMillis).count();
        int members = 1 + role.getLeaderInfo().getFollowerInfoCount();
        if (leaderReady && 2 * fresh > members) {
          return;
        }
        why = leaderReady ? "only " + fresh + " of " + members + " members were in contact within the bound"
            : "its leadership is not ready yet";
      }
      case FOLLOWER -> {
        if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
          long age = role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
          if (age <= maxLagMillis) {
            return;
          }
          why = "its last contact with the leader was " + age + " ms ago";
        } else {
          why = "it has no leader";
        }
      }
      default -> why = "it is a " + role.getRole() + " without a leader";
    }
    throw new ShardliteException(ErrorCode.LAG_TOO_HIGH,
        "shard " + shard + ": this replica cannot serve within " + maxLagMillis + " ms: " + why);
  }
}
