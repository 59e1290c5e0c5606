package io.shardlite.sequencer.state;

import io.shardlite.proto.AbortExpired;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.Decide;
import io.shardlite.proto.DrainVm;
import io.shardlite.proto.Heartbeat;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.RegisterVm;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.TxRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Builders of sequencer log commands for tests, and a generator of random command sequences. */
final class Commands {
  private Commands() {}

  static TxRequest tx(String id, Integer... shards) {
    return TxRequest.newBuilder().setTxId(id).addAllShards(Arrays.asList(shards)).build();
  }

  static SequencerCommand assign(String requestId, String vmId, long time, TxRequest... txs) {
    return SequencerCommand.newBuilder().setAssign(AssignLsns.newBuilder().setRequestId(requestId)
        .setVmId(vmId).setTimeMillis(time).addAllTxs(Arrays.asList(txs))).build();
  }

  static SequencerCommand register(String vmId, long time, long leaseMillis) {
    return SequencerCommand.newBuilder().setRegister(RegisterVm.newBuilder().setVmId(vmId)
        .setAddress(vmId + ":7100").setTimeMillis(time).setLeaseMillis(leaseMillis)).build();
  }

  static SequencerCommand heartbeat(String vmId, long time) {
    return SequencerCommand.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setVmId(vmId).setTimeMillis(time)).build();
  }

  static SequencerCommand drain(String vmId, long time) {
    return SequencerCommand.newBuilder()
        .setDrain(DrainVm.newBuilder().setVmId(vmId).setTimeMillis(time)).build();
  }

  static SequencerCommand decide(String txId, Outcome outcome, long lsn, long time) {
    return SequencerCommand.newBuilder().setDecide(Decide.newBuilder().setTxId(txId)
        .setOutcome(outcome).setLsn(lsn).setTimeMillis(time)).build();
  }

  static SequencerCommand decide(String txId, Outcome outcome, long lsn, long time, String... dependsOn) {
    return SequencerCommand.newBuilder().setDecide(Decide.newBuilder().setTxId(txId)
        .setOutcome(outcome).setLsn(lsn).setTimeMillis(time).addAllDependsOn(Arrays.asList(dependsOn))).build();
  }

  static SequencerCommand abortExpired(long time) {
    return SequencerCommand.newBuilder()
        .setAbortExpired(AbortExpired.newBuilder().setTimeMillis(time)).build();
  }

  /**
   * A random next command for {@code state}, with virtual masters vm-0..vm-4: mostly valid, some
   * bad (unknown shard, empty batch, unknown VM, unknown tx, wrong commit LSN), some retries of
   * earlier request ids, with time mostly moving forward (sometimes backwards).
   */
  static SequencerCommand random(Random r, SequencerState state, int step) {
    int shards = state.config().shards();
    long time = Math.max(0, state.timeMillis() + r.nextInt(400) - 50);
    String vm = "vm-" + r.nextInt(5);
    int kind = r.nextInt(100);
    if (kind < 10) {
      return register(vm, time, 500 + r.nextInt(2000));
    } else if (kind < 30) {
      return heartbeat(vm, time);
    } else if (kind < 33) {
      return drain(vm, time);
    } else if (kind < 45) {
      Outcome outcome = r.nextBoolean() ? Outcome.COMMIT : Outcome.ABORT;
      List<PendingTx> pending = new ArrayList<>(state.decisions().undecided().values());
      if (!pending.isEmpty() && r.nextInt(4) != 0) {
        PendingTx tx = pending.get(r.nextInt(pending.size()));
        return decide(tx.txId(), outcome, r.nextInt(5) == 0 ? tx.lsn() + 1 : tx.lsn(), time);
      }
      return decide("tx-" + r.nextInt(step + 1) + "-" + r.nextInt(3), outcome, r.nextInt(step + 2), time);
    } else if (kind < 50) {
      return abortExpired(time);
    }
    String requestId = "req-" + (r.nextInt(10) == 0 ? r.nextInt(step + 1) : step);
    int count = r.nextInt(20) == 0 ? 0 : 1 + r.nextInt(6);
    TxRequest[] txs = new TxRequest[count];
    for (int i = 0; i < count; i++) {
      int width = r.nextInt(4) == 0 ? 2 + r.nextInt(2) : 1;
      List<Integer> chosen = new ArrayList<>();
      while (chosen.size() < Math.min(width, shards)) {
        int shard = r.nextInt(50) == 0 ? shards + r.nextInt(3) : r.nextInt(shards);
        if (!chosen.contains(shard)) {
          chosen.add(shard);
        }
      }
      txs[i] = tx("tx-" + step + "-" + i, chosen.toArray(new Integer[0]));
    }
    return assign(requestId, vm, time, txs);
  }
}
