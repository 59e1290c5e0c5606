package io.shardlite.common.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings that every shardlite Raft server shares (the shard servers and the
 * sequencer); each adds its own entry sizes, reads, retries, purging and log cache on top.
 */
public final class RatisServerProperties {
  private RatisServerProperties() {}

  /**
   * Storage under {@code dataDir/ratis}; the Raft port; elections after {@code electionTimeoutMin}
   * to twice that, with a pre-vote; linearizable reads (the caller picks lease or read index);
   * a snapshot every {@code snapshotThreshold} entries, two kept, installed on followers that
   * need them; and no log-metadata entries.
   */
  public static RaftProperties base(Path dataDir, String bindAddress, int ratisPort, Duration electionTimeoutMin,
      long snapshotThreshold) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(dataDir.resolve("ratis").toFile()));
    GrpcConfigKeys.Server.setHost(p, bindAddress);
    GrpcConfigKeys.Server.setPort(p, ratisPort);

    // A shared, noisy machine (many groups per shard server): relaxed timeouts avoid election storms.
    long min = electionTimeoutMin.toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 2 * min), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotThreshold);
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);

    // Ratis would follow every commit-index advance with a metadata entry of its own: twice the
    // log writes and replication rounds per write (measured; docs/architecture.md). Both state
    // machines recognize entries they applied already (a shard file keeps its applied index; the
    // sequencer replays deterministically from its snapshot), so a restarted replica that replays
    // until the leader tells it the commit index changes nothing.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    return p;
  }
}
