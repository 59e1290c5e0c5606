package io.shardlite.vmaster.server;

import io.shardlite.common.sequencer.LsnStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lanes of the shards this virtual master owns, kept in step with the ownership table: a
 * shard gained (or re-gained at a new epoch) gets a new lane that first claims the epoch; a shard
 * lost stops its lane.
 */
final class Lanes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Lanes.class);

  private final String vmId;
  private final ShardDirectory directory;
  private final VmMetrics metrics;
  private final EntryBudget budget;
  private final int pipeline;
  private final Speculation speculation;
  private final EntryPacing entryPacing;
  private final io.shardlite.common.sequencer.SequencerClient sequencer;
  private final CoordinatorProbe probe;
  private final Map<Integer, Lane> lanes = new ConcurrentHashMap<>();
  private volatile LsnStream lsns;

  Lanes(String vmId, ShardDirectory directory, io.shardlite.common.sequencer.SequencerClient sequencer,
      VmMetrics metrics, EntryBudget budget, int pipeline, Speculation speculation, EntryPacing entryPacing,
      CoordinatorProbe probe) {
    this.speculation = speculation;
    this.entryPacing = entryPacing;
    this.probe = probe;
    this.vmId = vmId;
    this.sequencer = sequencer;
    this.directory = directory;
    this.metrics = metrics;
    this.budget = budget;
    this.pipeline = pipeline;
  }

  /** The LSN stream new lanes use (a new one after this virtual master registers again). */
  void useStream(LsnStream stream) {
    this.lsns = stream;
  }

  /** The current LSN stream (coordinators of multi-shard transactions use it too). */
  LsnStream stream() {
    return lsns;
  }

  Lane lane(int shard) {
    return lanes.get(shard);
  }

  /** Makes the running lanes match {@code owned} (shard to epoch). */
  synchronized void sync(Map<Integer, Long> owned) {
    for (Map.Entry<Integer, Lane> e : lanes.entrySet()) {
      Long epoch = owned.get(e.getKey());
      if (epoch == null || epoch != e.getValue().epoch() || e.getValue().isStopped()) {
        e.getValue().stop("ownership changed");
        lanes.remove(e.getKey());
        LOG.info("lane of shard {} stopped (epoch {} -> {})", e.getKey(), e.getValue().epoch(), epoch);
      }
    }
    owned.forEach((shard, epoch) -> lanes.computeIfAbsent(shard, s -> {
      Lane lane = new Lane(s, epoch, vmId, directory, this::stream, sequencer, metrics, budget, pipeline, speculation,
          entryPacing, probe);
      lane.start();
      return lane;
    }));
    metrics.ownedShards.set(lanes.size());
  }

  /** Stops every lane (the lease was lost, or shutdown). */
  synchronized void stopAll(String reason) {
    lanes.values().forEach(l -> l.stop(reason));
    lanes.clear();
    metrics.ownedShards.set(0);
  }

  int queueDepth() {
    return lanes.values().stream().mapToInt(Lane::queueDepth).sum();
  }

  @Override
  public void close() {
    stopAll("shutting down");
  }
}
