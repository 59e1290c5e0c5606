package io.shardlite.vmaster.server;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;

/** The virtual master's Prometheus metrics (names start with {@code shardlite_vm_}). */
final class VmMetrics {
  private final Counter transactions;
  private final Histogram latency;
  private final Counter errors;
  private final Counter retries;
  private final Counter forwarded;
  private final Counter lanesCommitted;
  private final Histogram laneBatch;
  private final Histogram laneEntry;
  private final Histogram lanePhase;
  private final Histogram multiPhase;
  private final Histogram holdSeconds;
  private final Counter holds;
  private final Counter speculative;
  private final Counter stackDrains;
  private final Counter lanePacing;
  private final Counter resent;
  private final Counter readParts;
  final Gauge ownedShards;
  final Gauge queueDepth;

  VmMetrics(CollectorRegistry registry) {
    transactions = Counter.build("shardlite_vm_transactions_total", "Transactions answered, by kind and outcome.")
        .labelNames("kind", "outcome").register(registry);
    latency = Histogram.build("shardlite_vm_transaction_seconds", "Transaction latency on this virtual master.")
        .labelNames("kind")
        .buckets(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10).register(registry);
    errors = Counter.build("shardlite_vm_errors_total", "Failed transactions by error code (aborts by cause).")
        .labelNames("code").register(registry);
    retries = Counter.build("shardlite_vm_retries_total",
            "Attempts the router repeated itself after a retryable failure (the client saw none of them), by the"
                + " failure's error code: e.g. UNAVAILABLE while a shard changes owner, or when a multi-shard read's"
                + " part reached its lane after the lane had placed a later LSN.")
        .labelNames("code").register(registry);
    forwarded = Counter.build("shardlite_vm_forwarded_total", "Transactions forwarded to the owning virtual master.")
        .register(registry);
    lanesCommitted = Counter.build("shardlite_vm_lane_transactions_total", "Transactions proposed by this virtual master's lanes.")
        .register(registry);
    laneBatch = Histogram.build("shardlite_vm_lane_batch_size", "Transactions per lane group (one LSN request; see shardlite_vm_lane_entry_size for Raft entries).")
        .buckets(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
    laneEntry = Histogram.build("shardlite_vm_lane_entry_size",
            "Transactions per shard log entry a lane proposed (groups whose LSNs arrived while an earlier entry was"
                + " in flight share the next entry).")
        .buckets(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
    lanePhase = Histogram.build("shardlite_vm_lane_phase_seconds",
            "Where a lane group's time goes: queue (first transaction queued to LSN request), lsn (request to"
                + " LSNs), wait (LSNs to the proposal's start: earlier groups), propose (shard group commit and apply);"
                + " prepare_late: from a multi-shard part being named as the predecessor of writes here to its"
                + " prepare's arrival (those writes, and every later one of the shard, wait for it); answer_held: a"
                + " write applied above speculative parts, from the shard's answer until the parts below are decided;"
                + " drain: a part (and every later write of the shard) waiting for the stack to drain; pause: from a"
                + " shard entry's answer to the next entry, when the lane paused in between (see --entry-gap-ms).")
        .labelNames("phase")
        .buckets(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10).register(registry);
    multiPhase = Histogram.build("shardlite_vm_multi_phase_seconds",
            "Where a multi-shard transaction's time goes on its coordinator: lsn, prepare (every part, each"
                + " placed in its shard's LSN order), decide (sequencer), resolve (every part).")
        .labelNames("phase")
        .buckets(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10).register(registry);
    holdSeconds = Histogram.build("shardlite_vm_lane_hold_seconds",
            "How long a multi-shard part stayed prepared on its shard (the shard writes nothing else meanwhile).")
        .buckets(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10).register(registry);
    holds = Counter.build("shardlite_vm_lane_holds_total",
            "Multi-shard parts by how they ended on their lane: resolved (by the coordinator), coordinator_gone"
                + " (resolved from the sequencer's decision: the coordinator no longer runs it), sequencer"
                + " (prepared, resolved from the sequencer's decision after the hold limit), never_prepared (the"
                + " prepare never came; settled from the sequencer).")
        .labelNames("end").register(registry);
    speculative = Counter.build("shardlite_vm_speculative_parts_total",
            "Speculative multi-shard parts (--speculative-parts) by event: bottom (prepared on an empty stack),"
                + " stacked (prepared on top of unresolved parts), rolled_back (undone by an abort below it).")
        .labelNames("event").register(registry);
    lanePacing = Counter.build("shardlite_vm_lane_pacing_total",
            "Lane entries by whether the lane paused before its next one (see --entry-gap-ms): pause, or why not:"
                + " cpu_idle (its shard server reported less than --busy-cpu-percent), small_entry (fewer than"
                + " --entry-min-items items, and as few writes waiting or answers held), filled (--entry-fill"
                + " writes waited already), reads (linearizable reads waited for its stacked parts), off (pacing off).")
        .labelNames("verdict").register(registry);
    resent = Counter.build("shardlite_vm_shard_calls_resent_total",
        "Calls to a shard server cancelled and resent to the shard's new leader after waiting on another server.")
        .register(registry);
    readParts = Counter.build("shardlite_vm_read_parts_total",
            "Read-only parts (multi-shard reads, and one-shard linearizable reads with one part) by how the lane"
                + " read its shard: entry (a read item in the entry with the writes around it), read_index (a"
                + " linearizable read of its own, --speculative-parts 0), late (a one-shard read whose part came"
                + " after the lane placed a later LSN: read where the lane is, by a linearizable read of its own).")
        .labelNames("how").register(registry);
    stackDrains = Counter.build("shardlite_vm_stack_drains_total",
            "Times a lane stopped stacking speculative parts until its stack drained, by cause: reads (the shard"
                + " said linearizable reads wait for the stack), limit (open for --speculative-stack-ms), full"
                + " (--speculative-parts stacked), read_only_part (a multi-shard read reads the shard at its place).")
        .labelNames("cause").register(registry);
    ownedShards = Gauge.build("shardlite_vm_owned_shards", "Shards this virtual master owns (lanes running).")
        .register(registry);
    queueDepth = Gauge.build("shardlite_vm_lane_queue_depth", "Transactions waiting in lanes.").register(registry);
  }

  void answered(String kind, io.shardlite.proto.ExecuteReply reply, long startNanos) {
    String outcome = reply.hasError() ? "error" : "ok";
    transactions.labels(kind, outcome).inc();
    latency.labels(kind).observe((System.nanoTime() - startNanos) / 1e9);
    if (reply.hasError()) {
      errors.labels(reply.getError().getCode().name()).inc();
    }
  }

  void retried(io.shardlite.proto.ErrorCode code) {
    retries.labels(code.name()).inc();
  }

  void forwarded() {
    forwarded.inc();
  }

  void lanePhase(String phase, long nanos) {
    lanePhase.labels(phase).observe(nanos / 1e9);
  }

  void multiPhase(String phase, long nanos) {
    multiPhase.labels(phase).observe(nanos / 1e9);
  }

  void held(String end, long nanos) {
    holds.labels(end).inc();
    holdSeconds.observe(nanos / 1e9);
  }

  void speculative(String event) {
    speculative.labels(event).inc();
  }

  void lanePacing(String verdict) {
    lanePacing.labels(verdict).inc();
  }

  void resentToMovedLeader() {
    resent.inc();
  }

  void readPart(String how) {
    readParts.labels(how).inc();
  }

  void stackDrain(String cause) {
    stackDrains.labels(cause).inc();
  }

  void proposedEntry(int transactions) {
    laneEntry.observe(transactions);
  }

  void committed(int shard, int transactions, long nanos) {
    lanesCommitted.inc(transactions);
    laneBatch.observe(transactions);
  }
}
