package io.shardlite.shard.server;

import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import io.shardlite.proto.GroupStatus;
import java.util.ArrayList;
import java.util.List;

/** Per-group gauges computed at scrape time from the live divisions (nothing to keep in sync). */
final class ShardGroupCollector extends Collector {
  private final ShardGroups groups;
  private final ShardAdminService admin;

  ShardGroupCollector(ShardGroups groups, ShardAdminService admin) {
    this.groups = groups;
    this.admin = admin;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<String> labels = List.of("shard");
    GaugeMetricFamily leader = new GaugeMetricFamily("shardlite_shard_is_leader", "1 if this replica leads the shard's group.", labels);
    GaugeMetricFamily role = new GaugeMetricFamily("shardlite_shard_role", "Raft role of this replica (1 for the current role).", List.of("shard", "role"));
    GaugeMetricFamily applied = new GaugeMetricFamily("shardlite_shard_applied_index", "Last Raft index applied to SQLite.", labels);
    GaugeMetricFamily committed = new GaugeMetricFamily("shardlite_shard_commit_index", "Last Raft index known committed.", labels);
    GaugeMetricFamily snapshot = new GaugeMetricFamily("shardlite_shard_snapshot_index", "Raft index of the latest snapshot.", labels);
    GaugeMetricFamily size = new GaugeMetricFamily("shardlite_shard_file_bytes", "SQLite file plus WAL size.", labels);
    GaugeMetricFamily epoch = new GaugeMetricFamily("shardlite_shard_epoch", "Highest claimed ownership epoch.", labels);
    GaugeMetricFamily peers = new GaugeMetricFamily("shardlite_shard_replicas", "Members of the shard's group.", labels);
    for (int shard : groups.localShards()) {
      GroupStatus s;
      try {
        s = admin.status(shard);
      } catch (RuntimeException removed) {
        continue;
      }
      List<String> l = List.of(Integer.toString(shard));
      leader.addMetric(l, "LEADER".equals(s.getRole()) ? 1 : 0);
      role.addMetric(List.of(l.get(0), s.getRole()), 1);
      applied.addMetric(l, s.getAppliedIndex());
      committed.addMetric(l, s.getCommitIndex());
      snapshot.addMetric(l, s.getSnapshotIndex());
      size.addMetric(l, s.getSizeBytes());
      epoch.addMetric(l, s.getEpoch());
      peers.addMetric(l, s.getPeersCount());
    }
    GaugeMetricFamily hosted = new GaugeMetricFamily("shardlite_shard_groups", "Shard groups hosted by this server.", groups.localShards().size());
    List<MetricFamilySamples> all = new ArrayList<>(List.of(leader, role, applied, committed, snapshot, size, epoch, peers, hosted));
    return all;
  }
}
