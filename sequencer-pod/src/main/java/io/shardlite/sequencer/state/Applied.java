package io.shardlite.sequencer.state;

import io.shardlite.proto.SequencerReply;
import java.util.List;

/**
 * The outcome of applying one command: the next state, the reply to the command's sender, and
 * what watchers must hear about (shards whose owner changed, decisions recorded). A rejected
 * command has an error in its reply, the unchanged state and no events.
 */
public record Applied(
    SequencerState state, SequencerReply reply, List<ShardOwner> ownerChanges, List<Decision> decisions) {

  public Applied {
    ownerChanges = List.copyOf(ownerChanges);
    decisions = List.copyOf(decisions);
  }
}
