package io.shardlite.shard.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.shardlite.common.raft.BackgroundSnapshots;
import io.shardlite.common.raft.SnapshotStorage;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ReadQuery;
import io.shardlite.proto.ShardResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
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
 * The Raft state machine of one shard group: committed entries go to {@link ShardDatabase} in log
 * order; snapshots are consistent copies of the SQLite file, named by the Raft term and index they
 * contain, so Ratis can compact the log and ship the copy to lagging or new replicas.
 *
 * <p>The SQLite file lives in the group's Ratis directory ({@code <group>/db/shard.db}), next to
 * the log and outside the snapshot directory (which Ratis replaces wholesale when it installs a
 * snapshot), and is deleted with the group.
 */
public final class ShardStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(ShardStateMachine.class);

  private final int shardId;
  private final ShardMetrics metrics;
  private final SnapshotStorage storage = new SnapshotStorage();
  private final BackgroundSnapshots snapshots;
  /** Apply, read and dump take it shared; replacing the file (snapshot install, close) exclusive. */
  private final ReentrantReadWriteLock fileLock = new ReentrantReadWriteLock();
  private Path dbFile;
  private volatile ShardDatabase db;
  /** Linearizable reads waiting for a prepared multi-shard part to be resolved. */
  private final ConcurrentLinkedQueue<WaitingRead> inDoubtReads = new ConcurrentLinkedQueue<>();

  /** Longest a linearizable read waits for a part in doubt (then it answers PART_IN_DOUBT, retryable). */
  static final long IN_DOUBT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

  private record WaitingRead(ReadQuery query, long deadlineNanos, CompletableFuture<Message> reply) {}

  public ShardStateMachine(int shardId, ShardMetrics metrics) {
    this.shardId = shardId;
    this.metrics = metrics;
    this.snapshots = new BackgroundSnapshots("shard " + shardId, storage::latestIndex);
  }

  public int shardId() {
    return shardId;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    dbFile = raftStorage.getStorageDir().getRoot().toPath().resolve("db").resolve("shard.db");
    getLifeCycle().startAndTransition(this::load);
  }

  /** Ratis pauses the machine before it installs a snapshot from the leader, then reinitializes it. */
  @Override
  public void pause() {
    // The install writes into the snapshot directory: no snapshot of ours may land there meanwhile.
    snapshots.awaitIdle();
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  /** Opens the file, first restoring the latest snapshot if it is ahead of the file. */
  private void load() {
    SnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot != null) {
      Path snapshotFile = snapshot.getFiles().get(0).getPath();
      long fileIndex = Files.exists(dbFile) ? currentIndexOf(dbFile) : -1;
      if (snapshot.getIndex() > fileIndex) {
        LOG.info("shard {}: restoring snapshot {} (file was at index {})", shardId, snapshot.getTermIndex(), fileIndex);
        ShardDatabase.restore(snapshotFile, dbFile);
      }
      setLastAppliedTermIndex(snapshot.getTermIndex());
    }
    db = ShardDatabase.open(dbFile);
    LOG.info("shard {}: opened {} at applied index {}", shardId, dbFile, db.meta().appliedIndex());
  }

  private static long currentIndexOf(Path file) {
    try (ShardDatabase d = ShardDatabase.open(file)) {
      return d.meta().appliedIndex();
    }
  }

  @Override
  public void reinitialize() throws IOException {
    fileLock.writeLock().lock();
    try {
      closeDb();
      load();
      metrics.snapshotInstalled(shardId);
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    } finally {
      fileLock.writeLock().unlock();
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  // Who leads, as each replica learns it, and when a new leader can take writes: one line per
  // replica and change, which is what a failover looks like in the logs (Ratis logs at WARN here:
  // the failed calls, not who took over or when its first writes could commit).
  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
    LOG.info("shard {}: {} sees leader {}", shardId, member.getPeerId(), newLeaderId == null ? "none" : newLeaderId);
  }

  @Override
  public void notifyLeaderReady() {
    LOG.info("shard {}: this replica leads and takes writes", shardId);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TermIndex ti = TermIndex.valueOf(entry);
    long start = System.nanoTime();
    com.google.protobuf.ByteString reply;
    fileLock.readLock().lock();
    try {
      // Only the leader's answers reach a writer: a follower skips what changes nothing (read items).
      reply = db.applyEntry(ti.getTerm(), ti.getIndex(),
          com.google.protobuf.ByteString.copyFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer()),
          trx.getServerRole() == RaftPeerRole.LEADER);
    } catch (RuntimeException e) {
      LOG.error("shard {}: apply of {} failed outside the entry; this replica stops applying", shardId, ti, e);
      return CompletableFuture.failedFuture(e);
    } finally {
      fileLock.readLock().unlock();
    }
    updateLastAppliedTermIndex(ti);
    metrics.applied(shardId, System.nanoTime() - start);
    if (!inDoubtReads.isEmpty()) {
      CompletableFuture.runAsync(this::retryInDoubtReads);
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.asReadOnlyByteBuffer())));
  }

  /**
   * A linearizable read (Ratis calls this once the read index is applied). While a multi-shard
   * part is prepared here the read waits, up to {@link #IN_DOUBT_WAIT_NANOS}, for the entry that
   * resolves it: reading around the part could miss a transaction already committed and read on
   * another shard.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    ReadQuery q;
    try {
      q = ReadQuery.parseFrom(request.getContent().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.failedFuture(e);
    }
    WaitingRead waiting = new WaitingRead(q, System.nanoTime() + IN_DOUBT_WAIT_NANOS, new CompletableFuture<>());
    if (!serve(waiting)) {
      inDoubtReads.add(waiting);
      // An apply may have resolved the part between the read and the add: look once more; and
      // answer at the wait's end even if nothing applies meanwhile.
      retryInDoubtReads();
      CompletableFuture.runAsync(this::retryInDoubtReads,
          CompletableFuture.delayedExecutor(IN_DOUBT_WAIT_NANOS + TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.NANOSECONDS));
    }
    return waiting.reply();
  }

  /** Whether linearizable reads wait here for a multi-shard part (or speculative tail) to be resolved. */
  public boolean readsWaiting() {
    return !inDoubtReads.isEmpty();
  }

  /** Answers the read unless a part is in doubt (and its wait has time left); true when answered. */
  private boolean serve(WaitingRead waiting) {
    ShardResult result;
    fileLock.readLock().lock();
    try {
      result = db.readResolved(waiting.query().getStatementsList());
    } catch (ShardliteException e) {
      result = ShardResult.newBuilder().setError(e.toProto()).build();
    } finally {
      fileLock.readLock().unlock();
    }
    if (result.hasError() && result.getError().getCode() == ErrorCode.PART_IN_DOUBT
        && System.nanoTime() - waiting.deadlineNanos() < 0) {
      return false;
    }
    waiting.reply().complete(Message.valueOf(ByteString.copyFrom(result.toByteArray())));
    return true;
  }

  /** Serves the reads that waited for a part in doubt (after an apply, which may have resolved it). */
  private void retryInDoubtReads() {
    for (int n = inDoubtReads.size(); n > 0; n--) {
      WaitingRead waiting = inDoubtReads.poll();
      if (waiting == null) {
        return;
      }
      if (!serve(waiting)) {
        inDoubtReads.add(waiting);
      }
    }
  }

  /** Serves a read from this replica's copy (the caller decides whether that copy is fresh enough). */
  public ShardResult read(ReadQuery q) {
    fileLock.readLock().lock();
    try {
      return db.read(q.getStatementsList());
    } catch (ShardliteException e) {
      return ShardResult.newBuilder().setError(e.toProto()).build();
    } finally {
      fileLock.readLock().unlock();
    }
  }

  public ShardDatabase.Dump dump(boolean includeText) {
    fileLock.readLock().lock();
    try {
      return db.dump(includeText);
    } finally {
      fileLock.readLock().unlock();
    }
  }

  public ShardDatabase.Meta meta() {
    ShardDatabase d = db;
    return d == null ? new ShardDatabase.Meta(0, 0, 0, 0) : d.meta();
  }

  /** How long this replica's committed file has lagged its applied entries (a speculative tail is open), else 0. */
  public long speculativeTailAgeMillis() {
    ShardDatabase d = db;
    return d == null ? 0 : d.speculativeTailAgeMillis();
  }

  public long sizeBytes() {
    ShardDatabase d = db;
    return d == null ? 0 : d.sizeBytes();
  }

  public long latestSnapshotIndex() {
    return storage.latestIndex();
  }

  /**
   * Starts copying the file in the background (see {@link BackgroundSnapshots}) and returns the
   * newest snapshot already written. The copy holds what the file has committed when the copy
   * begins (a speculative tail is not committed) and is named by its own meta row, never by what
   * was applied when Ratis asked: a label past the copy's content would let Ratis purge log entries
   * the copy lacks. Copying, syncing and checksumming the file on the apply thread stalled the
   * group's writes for as long.
   */
  @Override
  public long takeSnapshot() {
    TermIndex last = getLastAppliedTermIndex();
    ShardDatabase d = db;
    if (last == null || last.getIndex() < 0 || d == null) {
      return -1;
    }
    long latest = storage.latestIndex();
    if (d.meta().appliedIndex() <= Math.max(0, latest)) {
      return latest; // nothing committed since the last snapshot (a tail is open): a copy would add nothing
    }
    return snapshots.takeSnapshot(this::writeSnapshot);
  }

  private long writeSnapshot() throws IOException {
    fileLock.readLock().lock();
    try {
      ShardDatabase d = db;
      if (d == null) {
        return storage.latestIndex(); // closed before the writer got to it
      }
      Path work = storage.workFile();
      d.snapshotTo(work);
      ShardDatabase.Meta contains = ShardDatabase.metaOf(work);
      if (contains.appliedIndex() <= storage.latestIndex()) {
        Files.deleteIfExists(work);
        return storage.latestIndex();
      }
      storage.publish(work, TermIndex.valueOf(contains.appliedTerm(), contains.appliedIndex()));
      metrics.snapshotTaken(shardId);
      return contains.appliedIndex();
    } finally {
      fileLock.readLock().unlock();
    }
  }

  @Override
  public void close() throws IOException {
    fileLock.writeLock().lock();
    try {
      closeDb();
    } finally {
      fileLock.writeLock().unlock();
    }
    super.close();
  }

  private void closeDb() {
    ShardDatabase d = db;
    db = null;
    if (d != null) {
      d.close();
    }
  }
}
