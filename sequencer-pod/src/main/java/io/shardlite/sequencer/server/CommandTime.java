package io.shardlite.sequencer.server;

import io.shardlite.proto.SequencerCommand;

/** Sets a command's {@code time_millis}: the leader's stamp, overwriting whatever a client sent. */
final class CommandTime {
  private CommandTime() {}

  static SequencerCommand stamp(SequencerCommand command, long timeMillis) {
    SequencerCommand.Builder b = command.toBuilder();
    switch (command.getBodyCase()) {
      case ASSIGN:
        b.getAssignBuilder().setTimeMillis(timeMillis);
        break;
      case REGISTER:
        b.getRegisterBuilder().setTimeMillis(timeMillis);
        break;
      case HEARTBEAT:
        b.getHeartbeatBuilder().setTimeMillis(timeMillis);
        break;
      case DRAIN:
        b.getDrainBuilder().setTimeMillis(timeMillis);
        break;
      case DECIDE:
        b.getDecideBuilder().setTimeMillis(timeMillis);
        break;
      case ABORT_EXPIRED:
        b.getAbortExpiredBuilder().setTimeMillis(timeMillis);
        break;
      case GROUP:
        // One stamp for the whole entry: every command in it happens at the same time.
        for (int i = 0; i < command.getGroup().getCommandsCount(); i++) {
          b.getGroupBuilder().setCommands(i, stamp(command.getGroup().getCommands(i), timeMillis));
        }
        break;
      default:
        return command;
    }
    return b.build();
  }
}
