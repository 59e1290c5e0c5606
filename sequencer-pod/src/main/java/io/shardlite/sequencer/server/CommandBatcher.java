package io.shardlite.sequencer.server;

import io.shardlite.common.batch.GroupCommitter;
import io.shardlite.common.batch.GroupPacing;
import io.shardlite.common.metrics.CpuUse;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.CommandGroup;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Group commit on the leader: commands (LSN requests from every stream, decisions, leases) that
 * arrive while earlier entries are in flight share the next log entry ({@link CommandGroup}),
 * applied one after another exactly as separate entries would be. Arrival order is kept, so each
 * stream's requests are logged, and get their LSNs, in the stream's order. A Raft entry costs
 * milliseconds of CPU across the replicas whatever it holds, so sharing is what keeps the
 * sequencer's cost per transaction down. While the CPU is busy the next entry also waits until
 * {@link GroupPacing#gap()} after the last one (unless it is full): one entry in flight otherwise
 * means as many entries as round trips allow, however little each carries.
 */
final class CommandBatcher {
  private final GroupCommitter<SequencerCommand, SequencerReply> committer;

  /**
   * @param entriesInFlight log entries of commands outstanding at once
   * @param maxEntryTxs an entry stops taking commands before it would hold more transactions
   * @param pacing when the next entry waits (the CPU use from {@code cpu}; {@code timer} sends it
   *     when the wait is over); {@code cpu} and {@code timer} may be null when its gap is 0
   */
  CommandBatcher(LocalRaft raft, int entriesInFlight, int maxEntryTxs, GroupPacing pacing, CpuUse cpu,
      ScheduledExecutorService timer) {
    GroupCommitter.Sender<SequencerCommand, SequencerReply> sender = group -> {
      SequencerCommand command = group.size() == 1 ? group.get(0)
          : SequencerCommand.newBuilder().setGroup(CommandGroup.newBuilder().addAllCommands(group)).build();
      return raft.write(command).thenApply(reply -> replies(group.size(), reply));
    };
    this.committer = pacing.gap().isZero()
        ? new GroupCommitter<>(entriesInFlight, maxEntryTxs, sender)
        : new GroupCommitter<>(entriesInFlight, maxEntryTxs, sender,
            (since, queued) -> pacing.holdNanos(since, queued >= maxEntryTxs, cpu.percent()),
            (task, delayNanos) -> timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS));
  }

  /** Sequences one command; it counts as its transactions (LSN requests) or as one against the entry limit. */
  CompletableFuture<SequencerReply> submit(SequencerCommand command) {
    int weight = command.hasAssign() ? Math.max(1, command.getAssign().getTxsCount()) : 1;
    return committer.submit(command, weight);
  }

  CompletableFuture<SequencerReply> assign(AssignLsns request) {
    return submit(SequencerCommand.newBuilder().setAssign(request).build());
  }

  /** One reply per command; an entry that did not run at all answers each command with its error. */
  private static List<SequencerReply> replies(int count, SequencerReply reply) {
    if (reply.hasGroup()) {
      return reply.getGroup().getRepliesList();
    }
    return Collections.nCopies(count, reply);
  }
}
