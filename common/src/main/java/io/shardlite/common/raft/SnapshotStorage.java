package io.shardlite.common.raft;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

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
 *
 * <p>Old snapshots are cleaned up only when a new one was recorded: Ratis asks after every
 * {@code takeSnapshot()}, which {@link BackgroundSnapshots} answers at every pass of the apply
 * loop while a snapshot is being written, and each cleanup lists the directory.
 */
public final class SnapshotStorage extends SimpleStateMachineStorage {
  /** True once a load found no snapshot, until one is recorded or found. */
  private volatile boolean knownEmpty;
  /** The latest snapshot's index at the last cleanup (none yet: {@code Long.MIN_VALUE}). */
  private volatile long cleanedAt = Long.MIN_VALUE;

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

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    SingleFileSnapshotInfo latest = getLatestSnapshot();
    long index = latest == null ? -1 : latest.getIndex();
    if (index == cleanedAt) {
      return;
    }
    super.cleanupOldSnapshots(policy);
    cleanedAt = index;
  }

  /** The index of the latest snapshot recorded, or -1. */
  public long latestIndex() {
    SingleFileSnapshotInfo latest = getLatestSnapshot();
    return latest == null ? -1 : latest.getIndex();
  }

  /**
   * Where a snapshot is written before {@link #publish}: in the snapshot directory, under a name
   * Ratis does not take for a snapshot. One snapshot is written at a time per state machine.
   */
  public Path workFile() {
    return getSnapshotFile(0, 0).toPath().resolveSibling("snapshot-being-written.tmp");
  }

  /**
   * Records a finished snapshot: names the complete file {@code written} by what it contains and
   * records it as the latest. The caller has synced {@code written}; the directory is synced after
   * the rename, since Ratis purges the log up to the snapshot once it hears of it. Its checksum is
   * computed before the move, so the named file never lacks one for longer than the write of the
   * checksum file.
   */
  public void publish(Path written, TermIndex contains) throws IOException {
    MD5Hash md5 = MD5FileUtil.computeMd5ForFile(written.toFile());
    File target = getSnapshotFile(contains.getTerm(), contains.getIndex());
    Files.move(written, target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    MD5FileUtil.saveMD5File(target, md5);
    try (FileChannel dir = FileChannel.open(target.toPath().getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
    updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), contains));
  }
}
