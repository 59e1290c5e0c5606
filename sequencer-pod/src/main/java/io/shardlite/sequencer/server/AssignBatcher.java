package io.shardlite.sequencer.server;

import io.shardlite.common.batch.GroupCommitter;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.CommandGroup;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Group commit of LSN requests on the leader: requests from every stream that arrive while earlier
 * entries are in flight share the next log entry ({@link CommandGroup}), applied one after another
 * exactly as separate entries would be. Arrival order is kept, so each stream's requests are
 * logged, and get their LSNs, in the stream's order.
 */
final class AssignBatcher {
  private final GroupCommitter<AssignLsns, SequencerReply> committer;

  /**
   * @param entriesInFlight log entries of LSN requests outstanding at once
   * @param maxEntryTxs an entry stops taking requests before it would hold more transactions
   */
  AssignBatcher(LocalRaft raft, int entriesInFlight, int maxEntryTxs) {
    this.committer = new GroupCommitter<>(entriesInFlight, maxEntryTxs, group -> {
      SequencerCommand command = group.size() == 1
          ? SequencerCommand.newBuilder().setAssign(group.get(0)).build()
          : SequencerCommand.newBuilder().setGroup(CommandGroup.newBuilder()
              .addAllCommands(group.stream().map(a -> SequencerCommand.newBuilder().setAssign(a).build()).toList()))
              .build();
      return raft.write(command).thenApply(reply -> replies(group.size(), reply));
    });
  }

  CompletableFuture<SequencerReply> assign(AssignLsns request) {
    return committer.submit(request, Math.max(1, request.getTxsCount()));
  }

  /** One reply per request; an entry that did not run at all answers each request with its error. */
  private static List<SequencerReply> replies(int count, SequencerReply reply) {
    if (reply.hasGroup()) {
      return reply.getGroup().getRepliesList();
    }
    return Collections.nCopies(count, reply);
  }
}
