package io.shardlite.sequencer.server;

import io.shardlite.proto.AbortExpired;
import io.shardlite.proto.SequencerCommand;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, proposes {@code AbortExpired} every tick. Time in the state only moves with
 * commands, so without this a quiet cluster would never expire a lease or time out a transaction.
 * One tick at a time: a tick that has not committed yet skips the next.
 */
final class LeaderTicker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderTicker.class);

  private final LocalRaft raft;
  private final SequencerMetrics metrics;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sequencer-ticker");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean inFlight = new AtomicBoolean();

  LeaderTicker(LocalRaft raft, SequencerMetrics metrics) {
    this.raft = raft;
    this.metrics = metrics;
  }

  void start(Duration tick) {
    timer.scheduleWithFixedDelay(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tick() {
    boolean leader = raft.isLeaderReady();
    metrics.leader(leader);
    if (!leader || !inFlight.compareAndSet(false, true)) {
      return;
    }
    raft.write(SequencerCommand.newBuilder().setAbortExpired(AbortExpired.getDefaultInstance()).build())
        .whenComplete((reply, e) -> {
          inFlight.set(false);
          if (reply != null && reply.getExpired().getAbortedCount() > 0) {
            LOG.info("aborted {} multi-shard transactions past their timeout", reply.getExpired().getAbortedCount());
          }
        });
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
