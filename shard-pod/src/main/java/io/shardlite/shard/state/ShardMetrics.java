package io.shardlite.shard.state;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;

/** Per-shard counters updated on the apply path; per-group gauges are read at scrape time elsewhere. */
public final class ShardMetrics {
  private final Histogram applySeconds;
  private final Counter entries;
  private final Counter snapshots;
  private final Counter installs;

  public ShardMetrics(CollectorRegistry registry) {
    applySeconds = Histogram.build("shardlite_shard_apply_seconds", "Time to apply one committed entry to SQLite.")
        .labelNames("shard")
        .buckets(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25)
        .register(registry);
    entries = Counter.build("shardlite_shard_entries_applied_total", "Committed log entries applied.")
        .labelNames("shard")
        .register(registry);
    snapshots = Counter.build("shardlite_shard_snapshots_total", "Snapshots taken by this replica.")
        .labelNames("shard")
        .register(registry);
    installs = Counter.build("shardlite_shard_snapshot_installs_total",
            "Snapshots received from a leader and installed (the log this replica needed was purged).")
        .labelNames("shard")
        .register(registry);
  }

  /** Metrics that go nowhere, for code paths (tools, unit tests) that do not export them. */
  public static ShardMetrics unregistered() {
    return new ShardMetrics(new CollectorRegistry());
  }

  void applied(int shard, long nanos) {
    String s = Integer.toString(shard);
    applySeconds.labels(s).observe(nanos / 1e9);
    entries.labels(s).inc();
  }

  void snapshotInstalled(int shard) {
    installs.labels(Integer.toString(shard)).inc();
  }

  void snapshotTaken(int shard) {
    snapshots.labels(Integer.toString(shard)).inc();
  }
}
