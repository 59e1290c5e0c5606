package io.shardlite.sequencer.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.SequencerSettings;
import io.shardlite.proto.SequencerSnapshot;
import io.shardlite.proto.UndecidedTx;
import io.shardlite.proto.VmLeaseState;
import io.shardlite.proto.VmReplies;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole {@link SequencerState} as bytes (a {@code SequencerSnapshot} message) and back, for
 * snapshots. {@code decode(encode(s))} equals {@code s}; encoding is deterministic (every
 * collection is written in a fixed order), so equal states give equal bytes.
 */
public final class SequencerStateCodec {
  private SequencerStateCodec() {}

  public static byte[] encode(SequencerState state) {
    return toProto(state).toByteArray();
  }

  /**
   * @throws IllegalArgumentException if the bytes are not a valid snapshot
   */
  public static SequencerState decode(byte[] bytes) {
    try {
      return fromProto(SequencerSnapshot.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a sequencer snapshot: " + e.getMessage(), e);
    }
  }

  public static SequencerSnapshot toProto(SequencerState state) {
    SequencerConfig c = state.config();
    SequencerSnapshot.Builder b = SequencerSnapshot.newBuilder()
        .setSettings(SequencerSettings.newBuilder()
            .setShards(c.shards())
            .setMaxBatchTxs(c.maxBatchTxs())
            .setTxTimeoutMillis(c.txTimeoutMillis())
            .setRepliesPerVm(c.repliesPerVm())
            .setDecisionWindowLsns(c.decisionWindowLsns())
            .setMaxTimeStepMillis(c.maxTimeStepMillis()))
        .setNextLsn(state.nextLsn())
        .setTimeMillis(state.timeMillis())
        .addAllShardLastLsn(state.chain().last())
        .addAllShardLastMultiTxId(state.chain().lastMulti());
    for (String vmId : state.replies().vms()) {
      b.addReplies(VmReplies.newBuilder().setVmId(vmId).addAllReplies(state.replies().oldestFirst(vmId)));
    }
    state.ownership().shards().forEach(s -> b.addOwners(s.toProto()));
    for (VmLease vm : state.vms().vms().values()) {
      b.addVms(VmLeaseState.newBuilder().setVmId(vm.vmId()).setAddress(vm.address())
          .setLeaseMillis(vm.leaseMillis()).setExpiresMillis(vm.expiresMillis())
          .setDraining(vm.draining()));
    }
    for (PendingTx tx : state.decisions().undecided().values()) {
      b.addUndecided(UndecidedTx.newBuilder().setTxId(tx.txId()).setLsn(tx.lsn())
          .setStartMillis(tx.startMillis()).addAllCommitAfter(tx.commitAfter()));
    }
    state.decisions().decidedInOrderList().forEach(d -> b.addDecisions(d.toProto()));
    return b.build();
  }

  /**
   * @throws IllegalArgumentException if the snapshot is inconsistent (e.g. wrong table sizes)
   */
  public static SequencerState fromProto(SequencerSnapshot p) {
    SequencerSettings s = p.getSettings();
    SequencerConfig config = new SequencerConfig(s.getShards(), s.getMaxBatchTxs(),
        s.getTxTimeoutMillis(), s.getRepliesPerVm(), s.getDecisionWindowLsns(),
        s.getMaxTimeStepMillis() > 0 ? s.getMaxTimeStepMillis() : SequencerConfig.DEFAULT_MAX_TIME_STEP_MILLIS);
    if (p.getShardLastLsnCount() != config.shards() || p.getOwnersCount() != config.shards()) {
      throw new IllegalArgumentException("snapshot has " + p.getShardLastLsnCount() + " chain entries and "
          + p.getOwnersCount() + " owners for " + config.shards() + " shards");
    }
    List<ShardOwner> owners = new ArrayList<>();
    for (int shard = 0; shard < config.shards(); shard++) {
      ShardOwner owner = ShardOwner.fromProto(p.getOwners(shard));
      if (owner.shard() != shard) {
        throw new IllegalArgumentException("owner entry " + shard + " names shard " + owner.shard());
      }
      owners.add(owner);
    }
    VmRegistry vms = VmRegistry.empty();
    for (VmLeaseState vm : p.getVmsList()) {
      vms = vms.put(new VmLease(vm.getVmId(), vm.getAddress(), vm.getLeaseMillis(),
          vm.getExpiresMillis(), vm.getDraining()));
    }
    ReplyCache replies = ReplyCache.empty();
    for (VmReplies vm : p.getRepliesList()) {
      for (AssignLsnsReply reply : vm.getRepliesList()) {
        replies = replies.put(vm.getVmId(), reply, config.repliesPerVm());
      }
    }
    List<PendingTx> undecided = new ArrayList<>();
    for (UndecidedTx tx : p.getUndecidedList()) {
      undecided.add(new PendingTx(tx.getTxId(), tx.getLsn(), tx.getStartMillis(), tx.getCommitAfterList()));
    }
    Decisions decisions = Decisions.empty().begin(undecided);
    for (io.shardlite.proto.Decision d : p.getDecisionsList()) {
      decisions = decisions.withDecision(Decision.fromProto(d));
    }
    // Snapshots from before multi-shard predecessors were tracked have none: every one is empty.
    List<String> lastMulti = p.getShardLastMultiTxIdCount() == config.shards() ? p.getShardLastMultiTxIdList()
        : java.util.Collections.nCopies(config.shards(), "");
    return new SequencerState(config, p.getNextLsn(), p.getTimeMillis(),
        new ShardChain(p.getShardLastLsnList(), lastMulti), new Ownership(owners), vms,
        replies, decisions);
  }
}
