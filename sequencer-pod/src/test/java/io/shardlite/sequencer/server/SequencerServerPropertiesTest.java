package io.shardlite.sequencer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.sequencer.state.SequencerConfig;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

class SequencerServerPropertiesTest {
  @Test
  void theLogKeepsAFewMegabytesOnTheHeapNotSixSegmentsOfEight() {
    RaftProperties p = SequencerServer.ratisProperties(SequencerServerMainTest.parse());
    assertThat(RaftServerConfigKeys.Log.segmentSizeMax(p).getSize()).isEqualTo(1L << 20);
    assertThat(RaftServerConfigKeys.Log.segmentCacheNumMax(p)).isEqualTo(2);
    assertThat(RaftServerConfigKeys.Log.segmentCacheSizeMax(p).getSize()).isEqualTo(8L << 20);
  }

  @Test
  void repliesKeptPerVirtualMasterCoverItsLsnCallsInFlight() {
    assertThat(SequencerServerMainTest.parse().state().repliesPerVm()).isEqualTo(SequencerClient.VM_LSN_CALLS_IN_FLIGHT);
    assertThat(SequencerConfig.defaults(4).repliesPerVm()).isEqualTo(SequencerClient.VM_LSN_CALLS_IN_FLIGHT);
    assertThat(SequencerServerMainTest.parse("--replies-per-vm", "4096").state().repliesPerVm()).isEqualTo(4096);
  }

  @Test
  void aRatisPropertyGivenOnTheCommandLineStillWins() {
    RaftProperties p = SequencerServer.ratisProperties(
        SequencerServerMainTest.parse("--ratis-property", "raft.server.log.segment.cache.num.max=6"));
    assertThat(RaftServerConfigKeys.Log.segmentCacheNumMax(p)).isEqualTo(6);
  }
}
