package io.shardlite.sequencer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.AbortExpired;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.CommandGroup;
import io.shardlite.proto.Decide;
import io.shardlite.proto.DrainVm;
import io.shardlite.proto.Heartbeat;
import io.shardlite.proto.RegisterVm;
import io.shardlite.proto.SequencerCommand;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandTimeTest {

  @Test
  void theLeaderStampOverwritesTheClientTimeOfEveryCommandKind() {
    List<SequencerCommand> commands = List.of(
        SequencerCommand.newBuilder().setAssign(AssignLsns.newBuilder().setRequestId("r").setTimeMillis(99)).build(),
        SequencerCommand.newBuilder().setRegister(RegisterVm.newBuilder().setVmId("v").setTimeMillis(99)).build(),
        SequencerCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setVmId("v").setTimeMillis(99)).build(),
        SequencerCommand.newBuilder().setDrain(DrainVm.newBuilder().setVmId("v").setTimeMillis(99)).build(),
        SequencerCommand.newBuilder().setDecide(Decide.newBuilder().setTxId("t").setTimeMillis(99)).build(),
        SequencerCommand.newBuilder().setAbortExpired(AbortExpired.newBuilder().setTimeMillis(99)).build());
    for (SequencerCommand command : commands) {
      SequencerCommand stamped = CommandTime.stamp(command, 1234);
      assertThat(stamped.toString()).contains("time_millis: 1234").doesNotContain("time_millis: 99");
      assertThat(stamped.getBodyCase()).isEqualTo(command.getBodyCase());
    }
  }

  @Test
  void everyCommandOfAGroupGetsTheOneStamp() {
    SequencerCommand group = SequencerCommand.newBuilder().setGroup(CommandGroup.newBuilder()
        .addCommands(SequencerCommand.newBuilder().setAssign(AssignLsns.newBuilder().setRequestId("a").setTimeMillis(7)))
        .addCommands(SequencerCommand.newBuilder().setAssign(AssignLsns.newBuilder().setRequestId("b").setTimeMillis(99))))
        .build();
    SequencerCommand stamped = CommandTime.stamp(group, 1234);
    assertThat(stamped.getGroup().getCommandsList()).extracting(c -> c.getAssign().getTimeMillis())
        .containsExactly(1234L, 1234L);
    assertThat(stamped.getGroup().getCommandsList()).extracting(c -> c.getAssign().getRequestId())
        .containsExactly("a", "b");
  }

  @Test
  void aCommandWithoutBodyIsLeftAsIs() {
    assertThat(CommandTime.stamp(SequencerCommand.getDefaultInstance(), 5)).isEqualTo(SequencerCommand.getDefaultInstance());
  }
}
