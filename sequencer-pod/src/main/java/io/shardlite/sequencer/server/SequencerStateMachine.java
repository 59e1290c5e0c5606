package io.shardlite.sequencer.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.shardlite.common.raft.BackgroundSnapshots;
import io.shardlite.common.raft.SnapshotStorage;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GetDecisionRequest;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import io.shardlite.sequencer.state.Applied;
import io.shardlite.sequencer.state.SequencerConfig;
import io.shardlite.sequencer.state.SequencerState;
import io.shardlite.sequencer.state.SequencerStateCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sequencer's Raft state machine: a thin shell around the pure {@link SequencerState}.
 *
 * <ul>
 *   <li>Time: the leader stamps every command with its clock when it enters the log
 *       ({@link #startTransaction}); replicas only ever use the stamped time.
 *   <li>Apply: decode, {@code state.apply}, publish ownership changes and decisions to watchers.
 *       An undecodable entry gets a MALFORMED_REQUEST reply and changes nothing.
 *   <li>Snapshots: the whole state encoded by {@link SequencerStateCodec}, named by term and index;
 *       the log is purged up to them and a lagging replica receives the file.
 * </ul>
 */
final class SequencerStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(SequencerStateMachine.class);

  /** The state and the log position it reflects, swapped together. */
  record Current(SequencerState state, TermIndex applied) {
    long appliedIndex() {
      return applied == null ? 0 : applied.getIndex();
    }
  }

  private final SequencerConfig initialConfig;
  private final LongSupplier clock;
  private final SequencerMetrics metrics;
  private final SequencerWatchers watchers = new SequencerWatchers();
  /** Decides waiting for their transaction's decision (Decide.depends_on), by tx id; guarded by {@code watchers}. */
  private final java.util.Map<String, java.util.List<CompletableFuture<io.shardlite.proto.Decision>>> decisionWaiters =
      new java.util.HashMap<>();
  private final SnapshotStorage storage = new SnapshotStorage();
  private final BackgroundSnapshots snapshots = new BackgroundSnapshots("sequencer", storage::latestIndex);
  private volatile Current current;

  SequencerStateMachine(SequencerConfig initialConfig, LongSupplier clock, SequencerMetrics metrics) {
    this.initialConfig = initialConfig;
    this.clock = clock;
    this.metrics = metrics;
    this.current = new Current(SequencerState.initial(initialConfig), null);
  }

  Current current() {
    return current;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    getLifeCycle().startAndTransition(this::loadLatestSnapshot);
  }

  private void loadLatestSnapshot() throws IOException {
    SnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      current = new Current(SequencerState.initial(initialConfig), null);
      return;
    }
    Path file = snapshot.getFiles().get(0).getPath();
    SequencerState state = SequencerStateCodec.decode(Files.readAllBytes(file));
    if (!state.config().equals(initialConfig)) {
      // The replicated settings win: they are what every replica applied with so far.
      LOG.warn("settings in the snapshot {} differ from the flags {}; using the snapshot's", state.config(), initialConfig);
    }
    current = new Current(state, snapshot.getTermIndex());
    setLastAppliedTermIndex(snapshot.getTermIndex());
    metrics.state(state);
    LOG.info("sequencer state restored from snapshot {} (next LSN {})", snapshot.getTermIndex(), state.nextLsn());
  }

  /** Ratis pauses the machine before it installs a snapshot from the leader, then reinitializes it. */
  @Override
  public void pause() {
    snapshots.awaitIdle(); // no snapshot of ours may land while the leader's is installed
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshot();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  // Who leads, as each replica learns it, and when a new leader can take requests (see the shard
  // state machine): one line per replica and change.
  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
    LOG.info("sequencer: {} sees leader {}", member.getPeerId(), newLeaderId == null ? "none" : newLeaderId);
  }

  @Override
  public void notifyLeaderReady() {
    LOG.info("sequencer: this replica leads and takes requests");
  }

  /** On the leader only: stamp the command with the leader's clock before it enters the log. */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString data = request.getMessage().getContent();
    try {
      SequencerCommand command = SequencerCommand.parseFrom(data.asReadOnlyByteBuffer());
      data = ByteString.copyFrom(CommandTime.stamp(command, clock.getAsLong()).toByteArray());
    } catch (InvalidProtocolBufferException e) {
      // Logged as is: every replica rejects it the same way in apply.
    }
    return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request).setLogData(data).build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TermIndex ti = TermIndex.valueOf(entry);
    SequencerState before = current.state();
    SequencerReply reply;
    try {
      SequencerCommand command =
          SequencerCommand.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
      Applied applied = before.apply(command);
      synchronized (watchers) {
        // Together, so a watcher subscribing in between sees each change exactly once.
        current = new Current(applied.state(), ti);
        watchers.publish(ti.getIndex(), applied.state(), applied.ownerChanges(), applied.decisions());
        for (var decision : applied.decisions()) {
          var waiting = decisionWaiters.remove(decision.txId());
          if (waiting != null) {
            io.shardlite.proto.Decision d = decision.toProto();
            waiting.forEach(w -> w.complete(d));
          }
        }
      }
      metrics.applied(ti.getIndex(), before, applied);
      reply = applied.reply();
    } catch (InvalidProtocolBufferException e) {
      current = new Current(before, ti);
      reply = SequencerReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.MALFORMED_REQUEST)
          .setMessage("undecodable sequencer command: " + e.getMessage()).setRetryable(false)).build();
    }
    updateLastAppliedTermIndex(ti);
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.toByteArray())));
  }

  /** Linearizable reads (after Ratis' read index): a decision lookup. */
  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      GetDecisionRequest q = GetDecisionRequest.parseFrom(request.getContent().asReadOnlyByteBuffer());
      return CompletableFuture.completedFuture(
          Message.valueOf(ByteString.copyFrom(current.state().decision(q.getTxId()).toByteArray())));
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** A watcher gets the table as of now, then every change; see {@link SequencerWatchers}. */
  SequencerWatchers.Watcher watch(boolean includeDecisions, Consumer<io.shardlite.proto.OwnershipUpdate> sink) {
    synchronized (watchers) {
      Current now = current;
      return watchers.subscribe(now.state(), now.appliedIndex(), includeDecisions, sink);
    }
  }

  /**
   * Completes with the decision of {@code txId} once one is applied on this replica (at once if
   * there is one). A COMMIT waiting for the transactions it depends on is answered this way.
   */
  CompletableFuture<io.shardlite.proto.Decision> awaitDecision(String txId) {
    synchronized (watchers) {
      io.shardlite.proto.GetDecisionReply known = current.state().decision(txId);
      if (known.getState() == io.shardlite.proto.TxState.TX_DECIDED) {
        return CompletableFuture.completedFuture(known.getDecision());
      }
      CompletableFuture<io.shardlite.proto.Decision> waiter = new CompletableFuture<>();
      decisionWaiters.computeIfAbsent(txId, k -> new java.util.ArrayList<>()).add(waiter);
      return waiter;
    }
  }

  void unwatch(SequencerWatchers.Watcher watcher) {
    watchers.unsubscribe(watcher);
  }

  /**
   * Starts writing the state in the background (see {@link BackgroundSnapshots}) and returns the
   * newest snapshot already written: the state is an immutable value, so the writer encodes the one
   * applied now while the apply thread goes on. Encoding, writing, syncing and checksumming it on
   * the apply thread stalled the leader's LSN assignments for every transaction in the cluster.
   */
  @Override
  public long takeSnapshot() {
    Current now = current;
    if (now.applied() == null) {
      return -1;
    }
    return snapshots.takeSnapshot(() -> writeSnapshot(now));
  }

  private long writeSnapshot(Current now) throws IOException {
    Path work = storage.workFile();
    try (FileChannel ch = FileChannel.open(work, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = ByteBuffer.wrap(SequencerStateCodec.encode(now.state()));
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
      ch.force(true);
    }
    storage.publish(work, now.applied());
    metrics.snapshotTaken();
    return now.applied().getIndex();
  }

  @Override
  public void close() throws IOException {
    snapshots.awaitIdle();
    super.close();
  }

  long latestSnapshotIndex() {
    return storage.latestIndex();
  }
}
