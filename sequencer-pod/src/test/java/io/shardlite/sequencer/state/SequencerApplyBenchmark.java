package io.shardlite.sequencer.state;

import static io.shardlite.sequencer.state.Commands.assign;
import static io.shardlite.sequencer.state.Commands.decide;
import static io.shardlite.sequencer.state.Commands.heartbeat;
import static io.shardlite.sequencer.state.Commands.register;
import static io.shardlite.sequencer.state.Commands.tx;

import io.shardlite.common.client.TransactionIds;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One sequencer replica's apply path without Raft: an {@code AssignLsns} of {@code batch}
 * transactions from one of two virtual masters in turn ({@code multiPercent} of them on two of 16
 * shards), then a COMMIT decision for each multi-shard one, as the cluster sends them. Reports
 * microseconds per such batch. The state starts full (reply caches and decision window in their
 * steady state), with the servers' heap settings, so the collections it causes are counted too.
 * Run with {@code bin/jmh SequencerApplyBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx768m", "-Xmn256m", "-XX:+UseSerialGC"})
public class SequencerApplyBenchmark {
  private static final int SHARDS = 16;

  /** Transactions per {@code AssignLsns} (a virtual master's coalesced request). */
  @Param({"32"})
  public int batch;

  @Param({"10"})
  public int multiPercent;

  private SequencerState state;
  private long time;
  private long requests;
  private long txs;

  @Setup
  public void setUp() {
    state = SequencerState.initial(SequencerConfig.defaults(SHARDS));
    state = state.apply(register("vm-0", 0, 3_600_000)).state();
    state = state.apply(register("vm-1", 0, 3_600_000)).state();
    // Fill the reply caches and much of the decision window before measuring.
    for (int i = 0; i < 20_000; i++) {
      step();
    }
  }

  /** One request and its decisions; returns the state so the work is not optimized away. */
  @Benchmark
  public SequencerState assignThenDecide() {
    step();
    return state;
  }

  private void step() {
    time++;
    String vm = "vm-" + (requests & 1);
    if (requests % 1_000 == 0) {
      state = state.apply(heartbeat("vm-0", time)).state();
      state = state.apply(heartbeat("vm-1", time)).state();
    }
    TxRequest[] batchTxs = new TxRequest[batch];
    for (int i = 0; i < batch; i++) {
      int shard = (int) (txs % SHARDS);
      batchTxs[i] = txs % 100 < multiPercent ? tx(TransactionIds.next(), shard, (shard + 7) % SHARDS)
          : tx(TransactionIds.next(), shard);
      txs++;
    }
    Applied applied = state.apply(assign(vm + "-" + requests, vm, time, batchTxs));
    state = applied.state();
    requests++;
    for (TxLsn t : applied.reply().getAssigned().getTxsList()) {
      if (t.getPrevCount() > 1) {
        state = state.apply(decide(t.getTxId(), Outcome.COMMIT, t.getLsn(), time)).state();
      }
    }
  }
}
