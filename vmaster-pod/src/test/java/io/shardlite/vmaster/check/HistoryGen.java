package io.shardlite.vmaster.check;

import io.shardlite.vmaster.check.ListAppendChecker.Op;
import io.shardlite.vmaster.check.ListAppendChecker.Status;
import io.shardlite.vmaster.check.ListAppendChecker.Txn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random serial executions of list-append transactions, recorded as a client would see them:
 * transaction i takes effect at time 10 * i, somewhere inside its [invoke, complete] window,
 * so real time is consistent with the serial order while windows overlap. Some transactions
 * fail (not applied) and some end with an unknown outcome (applied or not, and possibly later
 * than their recorded completion). Final reads of every key close the history.
 */
final class HistoryGen {
  record Generated(List<Txn> history, int keys) {}

  private HistoryGen() {}

  static Generated serial(Random random, int txns, int keys, int maxOps) {
    Map<String, List<Long>> state = new HashMap<>();
    List<Txn> history = new ArrayList<>();
    long nextValue = 1;
    for (int i = 0; i < txns; i++) {
      long at = 10L * (i + 1);
      int roll = random.nextInt(100);
      Status status = roll < 90 ? Status.OK : roll < 95 ? Status.FAIL : Status.INFO;
      boolean applied = status == Status.OK || (status == Status.INFO && random.nextBoolean());
      Map<String, List<Long>> local = new HashMap<>();
      List<Op> ops = new ArrayList<>();
      for (int o = 0, n = 1 + random.nextInt(maxOps); o < n; o++) {
        String key = "k" + random.nextInt(keys);
        List<Long> current = local.computeIfAbsent(key, k -> new ArrayList<>(state.getOrDefault(k, List.of())));
        if (random.nextBoolean()) {
          current.add(nextValue);
          ops.add(Op.append(key, nextValue++));
        } else {
          ops.add(status == Status.OK ? Op.read(key, current) : Op.read(key));
        }
      }
      if (applied) {
        local.forEach(state::put);
      }
      long invoke = at - random.nextInt(30);
      long complete = status == Status.INFO ? invoke + random.nextInt(40) : at + random.nextInt(30);
      history.add(new Txn(i, ops, invoke, complete, status));
    }
    long end = 10L * (txns + 10);
    for (int k = 0; k < keys; k++) {
      String key = "k" + k;
      history.add(new Txn(txns + k, List.of(Op.read(key, state.getOrDefault(key, List.of()))), end + 2 * k,
          end + 2 * k + 1, Status.OK));
    }
    return new Generated(history, keys);
  }
}
