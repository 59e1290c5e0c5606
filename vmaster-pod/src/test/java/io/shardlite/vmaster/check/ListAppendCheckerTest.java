package io.shardlite.vmaster.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.vmaster.check.ListAppendChecker.Op;
import io.shardlite.vmaster.check.ListAppendChecker.Status;
import io.shardlite.vmaster.check.ListAppendChecker.Txn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ListAppendCheckerTest {
  private static Txn txn(int id, long invoke, long complete, Op... ops) {
    return new Txn(id, List.of(ops), invoke, complete, Status.OK);
  }

  private static List<String> check(Txn... txns) {
    return ListAppendChecker.check(List.of(txns));
  }

  @Test
  void aSerialHistoryHasNoAnomaly() {
    assertThat(check(
        txn(1, 0, 1, Op.append("x", 1), Op.append("y", 2)),
        txn(2, 2, 3, Op.read("x", List.of(1L)), Op.append("x", 3)),
        txn(3, 4, 5, Op.read("x", List.of(1L, 3L)), Op.read("y", List.of(2L))))).isEmpty();
  }

  @Test
  void writeCyclesAreG0() {
    assertThat(check(
        txn(1, 0, 10, Op.append("x", 1), Op.append("y", 2)),
        txn(2, 0, 10, Op.append("x", 3), Op.append("y", 4)),
        txn(3, 20, 30, Op.read("x", List.of(1L, 3L)), Op.read("y", List.of(4L, 2L)))))
        .anySatisfy(a -> assertThat(a).startsWith("G0"));
  }

  @Test
  void readsOfFailedOrIntermediateAppendsAreG1aAndG1b() {
    List<String> a = ListAppendChecker.check(List.of(
        new Txn(1, List.of(Op.append("x", 1)), 0, 1, Status.FAIL),
        txn(2, 2, 3, Op.read("x", List.of(1L)))));
    assertThat(a).anySatisfy(s -> assertThat(s).startsWith("G1a"));
    assertThat(check(
        txn(1, 0, 10, Op.append("x", 1), Op.append("x", 2)),
        txn(2, 0, 10, Op.read("x", List.of(1L))),
        txn(3, 20, 30, Op.read("x", List.of(1L, 2L)))))
        .anySatisfy(s -> assertThat(s).startsWith("G1b"));
  }

  @Test
  void writeSkewIsG2() {
    assertThat(check(
        txn(1, 0, 10, Op.read("x", List.of()), Op.append("y", 1)),
        txn(2, 0, 10, Op.read("y", List.of()), Op.append("x", 2)),
        txn(3, 20, 30, Op.read("x", List.of(2L)), Op.read("y", List.of(1L)))))
        .anySatisfy(s -> assertThat(s).startsWith("G2"));
  }

  @Test
  void aStaleReadAfterACompletedWriteIsARealTimeViolation() {
    List<String> anomalies = check(
        txn(1, 0, 10, Op.append("x", 1)),
        txn(2, 20, 30, Op.read("x", List.of())),
        txn(3, 40, 50, Op.read("x", List.of(1L))));
    assertThat(anomalies).anySatisfy(s -> assertThat(s).startsWith("real-time"));
    assertThat(anomalies).noneSatisfy(s -> assertThat(s).startsWith("G2"));
  }

  @Test
  void lostAcknowledgedAppendsIncompatibleOrdersAndDuplicatesAreReported() {
    assertThat(check(txn(1, 0, 10, Op.append("x", 1)), txn(2, 20, 30, Op.read("x", List.of()))))
        .anySatisfy(s -> assertThat(s).startsWith("lost append"));
    assertThat(check(txn(1, 0, 10, Op.append("x", 1), Op.append("x", 2)),
        txn(2, 20, 30, Op.read("x", List.of(2L))), txn(3, 20, 30, Op.read("x", List.of(1L, 2L)))))
        .anySatisfy(s -> assertThat(s).startsWith("incompatible order"));
    assertThat(check(txn(1, 0, 10, Op.append("x", 1)), txn(2, 20, 30, Op.read("x", List.of(1L, 1L)))))
        .anySatisfy(s -> assertThat(s).startsWith("duplicate"));
  }

  @Test
  void randomSerialExecutionsAreAccepted() {
    for (int seed = 0; seed < 50; seed++) {
      Random random = new Random(seed);
      Map<String, List<Long>> model = new HashMap<>();
      List<Txn> history = new ArrayList<>();
      long value = 1;
      long time = 0;
      for (int t = 0; t < 300; t++) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
          String key = "k" + random.nextInt(6);
          if (random.nextBoolean()) {
            model.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            ops.add(Op.append(key, value++));
          } else {
            ops.add(Op.read(key, List.copyOf(model.getOrDefault(key, List.of()))));
          }
        }
        // Overlapping real-time windows are fine as long as the serial order respects them.
        long invoke = time;
        time += 1 + random.nextInt(3);
        history.add(new Txn(t, ops, invoke, time + random.nextInt(2), Status.OK));
        time += 1;
      }
      assertThat(ListAppendChecker.check(history)).as("seed %d", seed).isEmpty();
    }
  }
}
