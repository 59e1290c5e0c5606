package io.shardlite.sequencer.server;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.shardlite.sequencer.state.Applied;
import io.shardlite.proto.SequencerReply;
import io.shardlite.sequencer.state.SequencerState;
import java.util.List;

/** The sequencer's Prometheus metrics (names start with {@code shardlite_sequencer_}). */
final class SequencerMetrics {
  private final Counter batches;
  private final Counter lsns;
  private final Histogram batchSize;
  private final Histogram entryRequests;
  private final Histogram requestSeconds;
  private final Counter rejected;
  private final Counter ownershipMoves;
  private final Counter decisions;
  private final Gauge leader;
  private final Gauge leases;
  private final Gauge appliedIndex;
  private final Gauge nextLsn;
  private final Gauge undecided;
  private final Counter snapshots;

  SequencerMetrics(CollectorRegistry registry) {
    batches = Counter.build("shardlite_sequencer_batches_total", "LSN requests (batches) answered with LSNs (a retry answered from the reply cache counts again).")
        .register(registry);
    lsns = Counter.build("shardlite_sequencer_lsns_total", "Global LSNs assigned.").register(registry);
    batchSize = Histogram.build("shardlite_sequencer_batch_size", "Transactions per LSN request.")
        .buckets(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096).register(registry);
    entryRequests = Histogram.build("shardlite_sequencer_entry_requests",
            "LSN requests grouped into one log entry (group commit on the leader).")
        .buckets(2, 4, 8, 16, 32, 64, 128, 256).register(registry);
    requestSeconds = Histogram.build("shardlite_sequencer_request_seconds",
            "Time from receiving a request to sending its reply, on this replica.")
        .labelNames("method")
        .buckets(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5).register(registry);
    rejected = Counter.build("shardlite_sequencer_rejected_total", "Commands rejected with a typed error, by code.")
        .labelNames("code").register(registry);
    ownershipMoves = Counter.build("shardlite_sequencer_ownership_moves_total", "Changes of a shard's owner.")
        .register(registry);
    decisions = Counter.build("shardlite_sequencer_decisions_total", "Multi-shard decisions recorded, by outcome.")
        .labelNames("outcome").register(registry);
    leader = Gauge.build("shardlite_sequencer_leader", "1 when this replica is the leader.").register(registry);
    leases = Gauge.build("shardlite_sequencer_vm_leases", "Registered virtual masters with a live lease.")
        .register(registry);
    appliedIndex = Gauge.build("shardlite_sequencer_applied_index", "Last applied Raft log index.").register(registry);
    nextLsn = Gauge.build("shardlite_sequencer_next_lsn", "The LSN the next transaction gets.").register(registry);
    undecided = Gauge.build("shardlite_sequencer_undecided_txs", "Multi-shard transactions awaiting a decision.")
        .register(registry);
    snapshots = Counter.build("shardlite_sequencer_snapshots_total", "Snapshots taken.").register(registry);
  }

  void applied(long index, SequencerState before, Applied applied) {
    SequencerState after = applied.state();
    // A grouped entry counts as the requests it holds: batches are what virtual masters sent.
    List<SequencerReply> replies = applied.reply().hasGroup() ? applied.reply().getGroup().getRepliesList()
        : List.of(applied.reply());
    for (SequencerReply reply : replies) {
      var error = Replies.errorOf(reply);
      if (error != null) {
        rejected.labels(error.getCode().name()).inc();
      } else if (reply.hasAssigned() && reply.getAssigned().getTxsCount() > 0) {
        batches.inc();
        batchSize.observe(reply.getAssigned().getTxsCount());
      }
    }
    lsns.inc(after.nextLsn() - before.nextLsn());
    if (applied.reply().hasGroup()) {
      entryRequests.observe(replies.size());
    }
    ownershipMoves.inc(applied.ownerChanges().size());
    applied.decisions().forEach(d -> decisions.labels(d.outcome().name()).inc());
    appliedIndex.set(index);
    state(after);
  }

  void state(SequencerState state) {
    leases.set(state.vms().vms().size());
    nextLsn.set(state.nextLsn());
    undecided.set(state.decisions().undecided().size());
  }

  void request(String method, long startNanos) {
    requestSeconds.labels(method).observe((System.nanoTime() - startNanos) / 1e9);
  }

  void leader(boolean isLeader) {
    leader.set(isLeader ? 1 : 0);
  }

  void snapshotTaken() {
    snapshots.inc();
  }
}
