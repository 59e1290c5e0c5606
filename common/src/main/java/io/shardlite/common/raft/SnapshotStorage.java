package io.shardlite.common.raft;

import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * Ratis' single-file snapshot storage, except that "there is no snapshot" is remembered too.
 *
 * <p>Why: {@link SimpleStateMachineStorage#getLatestSnapshot()} caches a snapshot it found but
 * lists the snapshot directory again on every call while there is none, and Ratis calls it for
 * every appendEntries a follower receives and on every pass of a leader's log appenders. Until a
 * group's first snapshot that was a directory listing per Raft message, on every group (about 2%
 * of a shard server's CPU under load). Snapshot files appear only through this object
 * ({@link #updateLatestSnapshot}) or through a snapshot installation, after which the state
 * machine reloads ({@link #loadLatestSnapshot}), so the remembered answer stays true.
 */
public final class SnapshotStorage extends SimpleStateMachineStorage {
  /** True once a load found no snapshot, until one is recorded or found. */
  private volatile boolean knownEmpty;

  @Override
  public SingleFileSnapshotInfo loadLatestSnapshot() {
    SingleFileSnapshotInfo latest = super.loadLatestSnapshot();
    knownEmpty = latest == null;
    return latest;
  }

  @Override
  public SingleFileSnapshotInfo getLatestSnapshot() {
    return knownEmpty ? null : super.getLatestSnapshot();
  }

  @Override
  public SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
    SingleFileSnapshotInfo previous = super.updateLatestSnapshot(info);
    knownEmpty = false;
    return previous;
  }
}
