package io.shardlite.shard.server;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import org.apache.ratis.proto.RaftProtos.FollowerInfoProto;
import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.junit.jupiter.api.Test;

class FollowerReadGateTest {
  private static RoleInfoProto follower(Long leaderContactAgeMs) {
    FollowerInfoProto.Builder f = FollowerInfoProto.newBuilder();
    if (leaderContactAgeMs != null) {
      f.setLeaderInfo(ServerRpcProto.newBuilder().setLastRpcElapsedTimeMs(leaderContactAgeMs));
    }
    return RoleInfoProto.newBuilder().setRole(RaftPeerRole.FOLLOWER).setFollowerInfo(f).build();
  }

  @Test
  void aFollowerServesOnlyWithinTheBound() {
    assertThatCode(() -> FollowerReadGate.check(1, follower(200L), false, 500)).doesNotThrowAnyException();
    assertThatThrownBy(() -> FollowerReadGate.check(1, follower(800L), false, 500))
        .isInstanceOfSatisfying(ShardliteException.class, e -> {
          org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(ErrorCode.LAG_TOO_HIGH);
          org.assertj.core.api.Assertions.assertThat(e.retryable()).isTrue();
        })
        .hasMessageContaining("800 ms");
    assertThatThrownBy(() -> FollowerReadGate.check(1, follower(null), false, 500)).hasMessageContaining("no leader");
  }

  /** A replica whose file lags its applied entries (speculative parts) longer than the bound refuses, even in contact. */
  @Test
  void aFileBehindItsAppliedEntriesLongerThanTheBoundRefuses() {
    assertThatCode(() -> FollowerReadGate.check(1, follower(200L), false, 500, 500)).doesNotThrowAnyException();
    assertThatThrownBy(() -> FollowerReadGate.check(1, follower(200L), false, 500, 700))
        .isInstanceOfSatisfying(ShardliteException.class, e -> {
          org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(ErrorCode.LAG_TOO_HIGH);
          org.assertj.core.api.Assertions.assertThat(e.retryable()).isTrue();
        })
        .hasMessageContaining("700 ms");
    assertThatThrownBy(() -> FollowerReadGate.check(1, leader(100, 100), true, 500, 700)).hasMessageContaining("700 ms");
  }

  private static RoleInfoProto leader(long... followerContactAgesMs) {
    LeaderInfoProto.Builder l = LeaderInfoProto.newBuilder();
    for (long age : followerContactAgesMs) {
      l.addFollowerInfo(ServerRpcProto.newBuilder().setLastRpcElapsedTimeMs(age));
    }
    return RoleInfoProto.newBuilder().setRole(RaftPeerRole.LEADER).setLeaderInfo(l).build();
  }

  @Test
  void aLeaderServesOnlyWhenReadyAndInContactWithAMajority() {
    assertThatCode(() -> FollowerReadGate.check(1, leader(100, 9_000), true, 500)).doesNotThrowAnyException();
    assertThatThrownBy(() -> FollowerReadGate.check(1, leader(100, 100), false, 500)).hasMessageContaining("not ready");
    // Cut off from both followers: another leader may exist already.
    assertThatThrownBy(() -> FollowerReadGate.check(1, leader(9_000, 9_000), true, 500))
        .hasMessageContaining("only 1 of 3");
    assertThatCode(() -> FollowerReadGate.check(1, leader(), true, 500)).doesNotThrowAnyException();
    RoleInfoProto candidate = RoleInfoProto.newBuilder().setRole(RaftPeerRole.CANDIDATE).build();
    assertThatThrownBy(() -> FollowerReadGate.check(1, candidate, false, 500)).hasMessageContaining("CANDIDATE");
  }
}
