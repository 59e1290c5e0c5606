package io.shardlite.sequencer.state;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.AbortExpired;
import io.shardlite.proto.AbortExpiredReply;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.CommandGroup;
import io.shardlite.proto.Decide;
import io.shardlite.proto.DecideReply;
import io.shardlite.proto.DrainVm;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GetDecisionReply;
import io.shardlite.proto.Heartbeat;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.RegisterVm;
import io.shardlite.proto.ReplyGroup;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import io.shardlite.proto.TxRequest;
import io.shardlite.proto.VmReply;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The whole replicated state of the sequencer, as an immutable value: {@link #apply} returns a
 * new state and a reply, and never touches a clock, a file or the network, so every replica that
 * applies the same commands in the same order holds equal states.
 *
 * <p>Time is the highest {@code time_millis} of the commands applied so far. Before a command
 * runs, leases that ran out by its time are dropped and the ownership is recomputed (a step in time
 * above {@code maxTimeStepMillis}, when the sequencer could not serve, extends leases instead); a command
 * that is rejected changes nothing at all (not even time).
 *
 * @param config the fixed limits
 * @param nextLsn the LSN the next transaction gets (the first is 1)
 * @param timeMillis the highest command time applied
 * @param chain the last LSN per shard
 * @param ownership owner and epoch per shard
 * @param vms the live virtual masters
 * @param replies recent replies for idempotent retries
 * @param decisions undecided and decided multi-shard transactions
 */
public record SequencerState(
    SequencerConfig config,
    long nextLsn,
    long timeMillis,
    ShardChain chain,
    Ownership ownership,
    VmRegistry vms,
    ReplyCache replies,
    Decisions decisions) {

  public static SequencerState initial(SequencerConfig config) {
    return new SequencerState(config, 1, 0, ShardChain.empty(config.shards()),
        Ownership.unowned(config.shards()), VmRegistry.empty(), ReplyCache.empty(), Decisions.empty());
  }

  /** Applies one log command. Never throws for bad input: the reply carries a typed error. */
  public Applied apply(SequencerCommand command) {
    try {
      switch (command.getBodyCase()) {
        case ASSIGN:
          return assign(command.getAssign());
        case REGISTER:
          return register(command.getRegister());
        case HEARTBEAT:
          return heartbeat(command.getHeartbeat());
        case DRAIN:
          return drain(command.getDrain());
        case DECIDE:
          return decide(command.getDecide());
        case ABORT_EXPIRED:
          return abortExpired(command.getAbortExpired());
        case GROUP:
          return group(command.getGroup());
        default:
          throw malformed("command without a body");
      }
    } catch (ShardliteException e) {
      return new Applied(this, rejection(command, e.toProto()), List.of(), List.of());
    }
  }

  /** What the sequencer knows of a transaction (a read: no command needed). */
  public GetDecisionReply decision(String txId) {
    return decisions.lookup(txId);
  }

  // --- commands ---

  /**
   * The commands of one grouped entry, one after another, each exactly as if it had an entry of its
   * own (a rejected one changes nothing and the next still runs); the events of all of them.
   */
  private Applied group(CommandGroup group) {
    if (group.getCommandsCount() == 0) {
      throw malformed("a command group needs at least one command");
    }
    SequencerState state = this;
    ReplyGroup.Builder replies = ReplyGroup.newBuilder();
    List<ShardOwner> ownerChanges = new ArrayList<>();
    List<Decision> decided = new ArrayList<>();
    for (SequencerCommand command : group.getCommandsList()) {
      Applied one = command.getBodyCase() == SequencerCommand.BodyCase.GROUP
          ? new Applied(state, rejection(command, malformed("a command group cannot hold a group").toProto()),
              List.of(), List.of())
          : state.apply(command);
      state = one.state();
      replies.addReplies(one.reply());
      ownerChanges.addAll(one.ownerChanges());
      decided.addAll(one.decisions());
    }
    return new Applied(state, SequencerReply.newBuilder().setGroup(replies).build(), ownerChanges, decided);
  }

  private Applied assign(AssignLsns command) {
    requireId("request_id", command.getRequestId());
    SequencerState now = advancedTo(command.getTimeMillis());
    Optional<AssignLsnsReply> cached = now.replies.get(command.getRequestId());
    if (cached.isPresent()) {
      // A retry: the recorded answer, and no change at all (like a rejection).
      SequencerReply reply = SequencerReply.newBuilder().setAssigned(cached.get()).build();
      return new Applied(this, reply, List.of(), List.of());
    }
    now.liveVm(command.getVmId());
    now.validate(command.getTxsList());

    ShardChain.Sequenced sequenced = now.chain.sequence(now.nextLsn, command.getTxsList());
    AssignLsnsReply reply = AssignLsnsReply.newBuilder()
        .setRequestId(command.getRequestId()).addAllTxs(sequenced.txs()).build();
    List<PendingTx> multiShard = new ArrayList<>();
    for (int i = 0; i < command.getTxsCount(); i++) {
      if (command.getTxs(i).getShardsCount() > 1) {
        multiShard.add(new PendingTx(command.getTxs(i).getTxId(), now.nextLsn + i, now.timeMillis));
      }
    }
    long next = now.nextLsn + command.getTxsCount();
    SequencerState after = new SequencerState(config, next, now.timeMillis, sequenced.chain(),
        now.ownership, now.vms,
        now.replies.put(command.getVmId(), reply, config.repliesPerVm()),
        now.decisions.begin(multiShard).pruneBelow(next - config.decisionWindowLsns()));
    return applied(after, SequencerReply.newBuilder().setAssigned(reply).build(), List.of());
  }

  private Applied register(RegisterVm command) {
    requireId("vm_id", command.getVmId());
    if (command.getLeaseMillis() <= 0) {
      throw malformed("lease_millis must be > 0, got " + command.getLeaseMillis());
    }
    SequencerState now = advancedTo(command.getTimeMillis());
    VmLease lease = VmLease.register(
        command.getVmId(), command.getAddress(), command.getLeaseMillis(), now.timeMillis);
    SequencerState after = now.withVms(now.vms.put(lease));
    return applied(after, after.vmReply(lease), List.of());
  }

  private Applied heartbeat(Heartbeat command) {
    SequencerState now = advancedTo(command.getTimeMillis());
    VmLease lease = now.liveVm(command.getVmId()).renewed(now.timeMillis);
    SequencerState after = now.withVmsSameMembers(now.vms.put(lease));
    return applied(after, after.vmReply(lease), List.of());
  }

  private Applied drain(DrainVm command) {
    SequencerState now = advancedTo(command.getTimeMillis());
    VmLease lease = now.liveVm(command.getVmId()).drained();
    SequencerState after = now.withVms(now.vms.put(lease));
    return applied(after, after.vmReply(lease), List.of());
  }

  private Applied decide(Decide command) {
    requireId("tx_id", command.getTxId());
    if (command.getOutcome() != Outcome.COMMIT && command.getOutcome() != Outcome.ABORT) {
      throw malformed("outcome must be COMMIT or ABORT, got " + command.getOutcome());
    }
    SequencerState now = advancedTo(command.getTimeMillis());
    Decisions.Decided decided = now.decisions.decide(
        command.getTxId(), command.getOutcome(), command.getLsn(), command.getDependsOnList(), now.timeMillis);
    SequencerState after = now.withDecisions(decided.decisions());
    DecideReply reply = decided.decision() == null ? DecideReply.newBuilder().setWaiting(true).build()
        : DecideReply.newBuilder().setDecision(decided.decision().toProto()).setWon(decided.won()).build();
    return applied(after, SequencerReply.newBuilder().setDecided(reply).build(), decided.recorded());
  }

  private Applied abortExpired(AbortExpired command) {
    SequencerState now = advancedTo(command.getTimeMillis());
    Decisions.Expired expired = now.decisions.abortExpired(now.timeMillis, config.txTimeoutMillis());
    SequencerState after = now.withDecisions(expired.decisions());
    AbortExpiredReply.Builder reply = AbortExpiredReply.newBuilder();
    expired.aborted().forEach(d -> reply.addAborted(d.toProto()));
    return applied(after, SequencerReply.newBuilder().setExpired(reply).build(), expired.recorded());
  }

  // --- transitions ---

  /** Time moves to max(now, commandTime); leases that ran out are dropped, ownership follows. */
  private SequencerState advancedTo(long commandTimeMillis) {
    long now = Math.max(timeMillis, commandTimeMillis);
    long step = now - timeMillis;
    // A step this large means no leader (or a stall) in between: not held against leases.
    VmRegistry renewed = timeMillis > 0 && step > config.maxTimeStepMillis() ? vms.extendedBy(step) : vms;
    VmRegistry live = renewed.expireAt(now);
    if (live == renewed) {
      return new SequencerState(config, nextLsn, now, chain, ownership, renewed, replies, decisions);
    }
    return new SequencerState(config, nextLsn, now, chain, ownership, renewed, replies.retainVms(live), decisions)
        .withVms(live);
  }

  private SequencerState withVms(VmRegistry registry) {
    return new SequencerState(config, nextLsn, timeMillis, chain,
        ownership.reassign(registry.owners()), registry, replies, decisions);
  }

  private SequencerState withVmsSameMembers(VmRegistry registry) {
    return new SequencerState(config, nextLsn, timeMillis, chain, ownership, registry, replies, decisions);
  }

  private SequencerState withDecisions(Decisions next) {
    return new SequencerState(config, nextLsn, timeMillis, chain, ownership, vms, replies, next);
  }

  private Applied applied(SequencerState after, SequencerReply reply, List<Decision> decided) {
    return new Applied(after, reply, ownership.changesTo(after.ownership), decided);
  }

  // --- validation ---

  private VmLease liveVm(String vmId) {
    requireId("vm_id", vmId);
    return vms.get(vmId).orElseThrow(() -> new ShardliteException(ErrorCode.UNKNOWN_VM,
        "virtual master '" + vmId + "' is not registered or its lease expired: register again"));
  }

  private void validate(List<TxRequest> txs) {
    if (txs.isEmpty()) {
      throw malformed("empty batch");
    }
    if (txs.size() > config.maxBatchTxs()) {
      throw new ShardliteException(ErrorCode.BATCH_TOO_LARGE,
          "batch of " + txs.size() + " transactions exceeds the limit of " + config.maxBatchTxs());
    }
    Set<String> txIds = new HashSet<>();
    for (TxRequest tx : txs) {
      requireId("tx_id", tx.getTxId());
      if (!txIds.add(tx.getTxId())) {
        throw malformed("transaction '" + tx.getTxId() + "' appears twice in the batch");
      }
      if (tx.getShardsCount() == 0) {
        throw malformed("transaction '" + tx.getTxId() + "' names no shard");
      }
      Set<Integer> shards = new HashSet<>();
      for (int shard : tx.getShardsList()) {
        if (shard < 0 || shard >= config.shards()) {
          throw new ShardliteException(ErrorCode.UNKNOWN_SHARD, "transaction '" + tx.getTxId()
              + "' names shard " + shard + "; shards are 0.." + (config.shards() - 1));
        }
        if (!shards.add(shard)) {
          throw malformed("transaction '" + tx.getTxId() + "' names shard " + shard + " twice");
        }
      }
      if (shards.size() > 1 && decisions.knows(tx.getTxId())) {
        throw malformed("multi-shard transaction '" + tx.getTxId() + "' was already sequenced");
      }
    }
  }

  private static void requireId(String field, String value) {
    if (value.isBlank()) {
      throw malformed(field + " must not be blank");
    }
  }

  private static ShardliteException malformed(String message) {
    return new ShardliteException(ErrorCode.MALFORMED_REQUEST, message);
  }

  // --- replies ---

  private SequencerReply vmReply(VmLease lease) {
    VmReply.Builder reply = VmReply.newBuilder().setVmId(lease.vmId())
        .setLeaseExpiresMillis(lease.expiresMillis()).setDraining(lease.draining());
    ownership.ownedBy(lease.vmId()).forEach(s -> reply.addOwned(s.toProto()));
    return SequencerReply.newBuilder().setVm(reply).build();
  }

  private static SequencerReply rejection(SequencerCommand command, Error error) {
    SequencerReply.Builder reply = SequencerReply.newBuilder();
    switch (command.getBodyCase()) {
      case ASSIGN:
        return reply.setAssigned(AssignLsnsReply.newBuilder()
            .setError(error).setRequestId(command.getAssign().getRequestId())).build();
      case REGISTER:
        return reply.setVm(vmError(error, command.getRegister().getVmId())).build();
      case HEARTBEAT:
        return reply.setVm(vmError(error, command.getHeartbeat().getVmId())).build();
      case DRAIN:
        return reply.setVm(vmError(error, command.getDrain().getVmId())).build();
      case DECIDE:
        return reply.setDecided(DecideReply.newBuilder().setError(error)).build();
      case ABORT_EXPIRED:
        return reply.setExpired(AbortExpiredReply.newBuilder().setError(error)).build();
      case GROUP:
        // Every command of the group is answered with the error (a group without commands gets it once).
        ReplyGroup.Builder each = ReplyGroup.newBuilder();
        command.getGroup().getCommandsList().forEach(c -> each.addReplies(rejection(c, error)));
        return each.getRepliesCount() == 0 ? reply.setError(error).build() : reply.setGroup(each).build();
      default:
        return reply.setError(error).build();
    }
  }

  private static VmReply vmError(Error error, String vmId) {
    return VmReply.newBuilder().setError(error).setVmId(vmId).build();
  }
}
