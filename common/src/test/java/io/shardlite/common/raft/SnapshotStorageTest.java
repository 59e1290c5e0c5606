package io.shardlite.common.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage answers like Ratis' own, without listing the directory while there is no snapshot. */
class SnapshotStorageTest {
  @TempDir
  Path dir;

  @Test
  void noSnapshotIsRememberedUntilOneIsRecordedOrFoundByAReload() throws Exception {
    try (RaftStorage raft = formattedRaftStorage()) {
      SnapshotStorage storage = new SnapshotStorage();
      storage.init(raft);
      assertThat(storage.loadLatestSnapshot()).isNull();
      assertThat(storage.getLatestSnapshot()).isNull();

      // A file that appears behind its back (a snapshot installation) counts after the reload the
      // state machine does when the installation is done, not before.
      File installed = snapshotFile(storage, 2, 10);
      assertThat(storage.getLatestSnapshot()).isNull();
      assertThat(storage.loadLatestSnapshot().getIndex()).isEqualTo(10);
      assertThat(storage.getLatestSnapshot().getFiles().get(0).getPath()).isEqualTo(installed.toPath());

      // A snapshot the state machine takes counts at once.
      record(storage, snapshotFile(storage, 2, 20), 2, 20);
      assertThat(storage.getLatestSnapshot().getIndex()).isEqualTo(20);
    }
  }

  @Test
  void aStorageThatStartsEmptyCountsItsFirstSnapshot() throws Exception {
    try (RaftStorage raft = formattedRaftStorage()) {
      SnapshotStorage storage = new SnapshotStorage();
      storage.init(raft);
      assertThat(storage.loadLatestSnapshot()).isNull();
      record(storage, snapshotFile(storage, 1, 5), 1, 5);
      assertThat(storage.getLatestSnapshot().getIndex()).isEqualTo(5);
    }
  }

  @Test
  void aPublishedSnapshotIsNamedByWhatItContainsChecksummedAndLatest() throws Exception {
    try (RaftStorage raft = formattedRaftStorage()) {
      SnapshotStorage storage = new SnapshotStorage();
      storage.init(raft);
      assertThat(storage.latestIndex()).isEqualTo(-1);
      Path work = storage.workFile();
      Files.createDirectories(work.getParent());
      Files.writeString(work, "state at 7");
      storage.publish(work, TermIndex.valueOf(3, 7));

      File named = storage.getSnapshotFile(3, 7);
      assertThat(work).doesNotExist();
      assertThat(named).hasContent("state at 7");
      MD5FileUtil.verifySavedMD5(named, MD5FileUtil.computeMd5ForFile(named));
      assertThat(storage.latestIndex()).isEqualTo(7);
      // A reload finds the same snapshot: the work file's name is not taken for one.
      assertThat(storage.loadLatestSnapshot().getTermIndex()).isEqualTo(TermIndex.valueOf(3, 7));
    }
  }

  @Test
  void oldSnapshotsAreCleanedUpOnlyWhenANewOneWasRecorded() throws Exception {
    try (RaftStorage raft = formattedRaftStorage()) {
      SnapshotStorage storage = new SnapshotStorage();
      storage.init(raft);
      SnapshotRetentionPolicy keepOne = new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
          return 1;
        }
      };
      record(storage, snapshotFile(storage, 1, 5), 1, 5);
      record(storage, snapshotFile(storage, 1, 9), 1, 9);
      storage.cleanupOldSnapshots(keepOne);
      assertThat(storage.getSnapshotFile(1, 5)).doesNotExist();

      // Same latest snapshot: no listing, so a file that appeared meanwhile stays.
      File stray = snapshotFile(storage, 1, 2);
      storage.cleanupOldSnapshots(keepOne);
      assertThat(stray).exists();

      record(storage, snapshotFile(storage, 1, 12), 1, 12);
      storage.cleanupOldSnapshots(keepOne);
      assertThat(stray).doesNotExist();
      assertThat(storage.getSnapshotFile(1, 9)).doesNotExist();
      assertThat(storage.getSnapshotFile(1, 12)).exists();
    }
  }

  /** Records a snapshot the state machine took, as ShardStateMachine does. */
  private static void record(SnapshotStorage storage, File taken, long term, long index) throws Exception {
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
        new FileInfo(taken.toPath(), MD5FileUtil.computeMd5ForFile(taken)), TermIndex.valueOf(term, index)));
  }

  private RaftStorage formattedRaftStorage() throws Exception {
    RaftStorage raft = RaftStorage.newBuilder().setDirectory(dir.toFile())
        .setOption(RaftStorage.StartupOption.FORMAT)
        .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION)
        .setStorageFreeSpaceMin(SizeInBytes.ONE_KB).build();
    raft.initialize();
    return raft;
  }

  private static File snapshotFile(SnapshotStorage storage, long term, long index) throws Exception {
    File f = storage.getSnapshotFile(term, index);
    Files.createDirectories(f.toPath().getParent());
    Files.writeString(f.toPath(), "snapshot " + index);
    MD5FileUtil.computeAndSaveMd5ForFile(f);
    return f;
  }
}
