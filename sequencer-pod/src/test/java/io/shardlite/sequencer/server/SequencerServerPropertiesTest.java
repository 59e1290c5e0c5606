package io.shardlite.sequencer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.sequencer.state.SequencerConfig;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SequencerServerPropertiesTest {
  private static SequencerServerMain main(String... extra) {
    SequencerServerMain main = new SequencerServerMain();
    String[] base = {"--node-id", "q1", "--peers", "q1=127.0.0.1:7100"};
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
        .toArray(String[]::new);
    new CommandLine(main).parseArgs(args);
    return main;
  }

  @Test
  void theLogKeepsAFewMegabytesOnTheHeapNotSixSegmentsOfEight() {
    RaftProperties p = SequencerServer.ratisProperties(main().config());
    assertThat(RaftServerConfigKeys.Log.segmentSizeMax(p).getSize()).isEqualTo(1L << 20);
    assertThat(RaftServerConfigKeys.Log.segmentCacheNumMax(p)).isEqualTo(2);
    assertThat(RaftServerConfigKeys.Log.segmentCacheSizeMax(p).getSize()).isEqualTo(8L << 20);
  }

  @Test
  void repliesKeptPerVirtualMasterCoverItsLsnCallsInFlight() {
    assertThat(main().config().state().repliesPerVm()).isEqualTo(SequencerClient.VM_LSN_CALLS_IN_FLIGHT);
    assertThat(SequencerConfig.defaults(4).repliesPerVm()).isEqualTo(SequencerClient.VM_LSN_CALLS_IN_FLIGHT);
    assertThat(main("--replies-per-vm", "4096").config().state().repliesPerVm()).isEqualTo(4096);
  }

  @Test
  void aRatisPropertyGivenOnTheCommandLineStillWins() {
    RaftProperties p = SequencerServer.ratisProperties(
        main("--ratis-property", "raft.server.log.segment.cache.num.max=6").config());
    assertThat(RaftServerConfigKeys.Log.segmentCacheNumMax(p)).isEqualTo(6);
  }
}
