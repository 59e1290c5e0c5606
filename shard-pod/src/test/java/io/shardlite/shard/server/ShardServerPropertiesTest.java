package io.shardlite.shard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ShardServerPropertiesTest {
  private static RaftProperties properties(String... args) {
    ShardServerMain main = new ShardServerMain();
    new CommandLine(main).parseArgs(args);
    return ShardServer.ratisProperties(main.config());
  }

  @Test
  void repliesAreKeptForRetriesTenSecondsNotRatisSixty() {
    assertThat(RaftServerConfigKeys.RetryCache.expiryTime(properties("--node-id", "s1")).toLong(TimeUnit.SECONDS))
        .isEqualTo(10);
  }

  @Test
  void eachGroupKeepsAFewMegabytesOfItsLogOnTheHeapNotRatisSixSegmentsOf200Mb() {
    RaftProperties p = properties("--node-id", "s1");
    assertThat(RaftServerConfigKeys.Log.segmentSizeMax(p).getSize()).isEqualTo(1L << 20);
    assertThat(RaftServerConfigKeys.Log.segmentCacheNumMax(p)).isEqualTo(2);
    assertThat(RaftServerConfigKeys.Log.segmentCacheSizeMax(p).getSize()).isEqualTo(4L << 20);

    RaftProperties larger = properties("--node-id", "s1", "--log-segment-bytes", "8388608");
    assertThat(RaftServerConfigKeys.Log.segmentCacheSizeMax(larger).getSize()).isEqualTo(32L << 20);
  }

  @Test
  void aRatisPropertyGivenOnTheCommandLineStillWins() {
    RaftProperties p = properties("--node-id", "s1", "--ratis-property", "raft.server.retrycache.expirytime=30s");
    assertThat(RaftServerConfigKeys.RetryCache.expiryTime(p).toLong(TimeUnit.SECONDS)).isEqualTo(30);
  }
}
