package io.shardlite.common.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

class RatisServerPropertiesTest {
  private final RaftProperties p = RatisServerProperties.base(Path.of("/srv/shardlite"), "127.0.0.1", 7001,
      Duration.ofMillis(1500), 5000);

  @Test
  void storageAndPortComeFromTheServersSettings() {
    assertThat(RaftServerConfigKeys.storageDir(p)).containsExactly(Path.of("/srv/shardlite", "ratis").toFile());
    assertThat(GrpcConfigKeys.Server.host(p)).isEqualTo("127.0.0.1");
    assertThat(GrpcConfigKeys.Server.port(p)).isEqualTo(7001);
  }

  @Test
  void electionsWaitTheMinimumToTwiceItAfterAPreVote() {
    assertThat(RaftServerConfigKeys.Rpc.timeoutMin(p).toLong(TimeUnit.MILLISECONDS)).isEqualTo(1500);
    assertThat(RaftServerConfigKeys.Rpc.timeoutMax(p).toLong(TimeUnit.MILLISECONDS)).isEqualTo(3000);
    assertThat(RaftServerConfigKeys.Rpc.requestTimeout(p).toLong(TimeUnit.MILLISECONDS)).isEqualTo(3000);
    assertThat(RaftServerConfigKeys.LeaderElection.preVote(p)).isTrue();
    // A long election timeout stretches the request timeout with it.
    RaftProperties slow = RatisServerProperties.base(Path.of("/srv/shardlite"), "127.0.0.1", 7001, Duration.ofSeconds(4), 5000);
    assertThat(RaftServerConfigKeys.Rpc.requestTimeout(slow).toLong(TimeUnit.MILLISECONDS)).isEqualTo(8000);
  }

  @Test
  void readsAreLinearizableSnapshotsAreTakenAndSentAndNoMetadataEntriesAreLogged() {
    assertThat(RaftServerConfigKeys.Read.option(p)).isEqualTo(RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerEnabled(p)).isTrue();
    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerThreshold(p)).isEqualTo(5000);
    assertThat(RaftServerConfigKeys.Snapshot.retentionFileNum(p)).isEqualTo(2);
    assertThat(RaftServerConfigKeys.Log.Appender.installSnapshotEnabled(p)).isTrue();
    assertThat(RaftServerConfigKeys.Log.logMetadataEnabled(p)).isFalse();
  }
}
