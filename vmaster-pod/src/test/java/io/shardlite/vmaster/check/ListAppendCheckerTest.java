package io.shardlite.vmaster.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.vmaster.check.ListAppendChecker.Anomaly;
import io.shardlite.vmaster.check.ListAppendChecker.Op;
import io.shardlite.vmaster.check.ListAppendChecker.Status;
import io.shardlite.vmaster.check.ListAppendChecker.Txn;
import io.shardlite.vmaster.check.ListAppendChecker.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-made histories: one per anomaly class that must be reported, and valid ones that must pass. */
class ListAppendCheckerTest {
  private static Txn ok(int id, long invoke, long complete, Op... ops) {
    return new Txn(id, List.of(ops), invoke, complete, Status.OK);
  }

  private static List<Anomaly> check(Txn... txns) {
    return ListAppendChecker.check(List.of(txns));
  }

  private static List<Type> types(List<Anomaly> anomalies) {
    return anomalies.stream().map(Anomaly::type).toList();
  }

  private static List<Long> list(long... values) {
    List<Long> out = new ArrayList<>();
    for (long v : values) {
      out.add(v);
    }
    return out;
  }

  @Test
  void aSerialHistoryHasNoAnomaly() {
    assertThat(check(
        ok(1, 0, 1, Op.append("x", 1), Op.append("y", 2)),
        ok(2, 2, 3, Op.read("x", list(1)), Op.append("x", 3), Op.read("x", list(1, 3))),
        ok(3, 4, 5, Op.read("x", list(1, 3)), Op.read("y", list(2)), Op.read("z", list())))).isEmpty();
  }

  @Test
  void concurrentTransactionsMayBeOrderedEitherWay() {
    // T2 and T3 overlap, so T3 may serialize before T2 even though it was invoked later.
    assertThat(check(
        ok(1, 0, 1, Op.append("x", 1)),
        ok(2, 2, 10, Op.append("x", 2)),
        ok(3, 3, 9, Op.read("x", list(1))),
        ok(4, 11, 12, Op.read("x", list(1, 2))))).isEmpty();
  }

  @Test
  void failedTransactionsThatNobodyObservedAndObservedUnknownOnesAreFine() {
    assertThat(check(
        new Txn(1, List.of(Op.append("x", 1), Op.read("y")), 0, 5, Status.FAIL),
        new Txn(2, List.of(Op.append("x", 2), Op.append("y", 3)), 0, 5, Status.INFO),
        new Txn(3, List.of(Op.append("x", 4)), 0, 5, Status.INFO),
        // An unknown outcome may take effect after its client gave up.
        ok(4, 6, 7, Op.read("x", list(2)), Op.read("y", list(3))),
        ok(5, 8, 9, Op.read("x", list(2, 4))))).isEmpty();
  }

  @Test
  void writeCyclesAreG0() {
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.append("x", 1), Op.append("y", 2)),
        ok(2, 0, 10, Op.append("x", 3), Op.append("y", 4)),
        ok(3, 20, 30, Op.read("x", list(1, 3)), Op.read("y", list(4, 2))));
    assertThat(anomalies).filteredOn(a -> a.type() == Type.G0).singleElement()
        .satisfies(a -> assertThat(a.txns()).containsExactlyInAnyOrder(1, 2))
        .satisfies(a -> assertThat(a.description()).contains("-ww(x)->", "-ww(y)->"));
  }

  @Test
  void readingAFailedAppendIsG1a() {
    List<Anomaly> anomalies = check(
        new Txn(1, List.of(Op.append("x", 1)), 0, 1, Status.FAIL),
        ok(2, 2, 3, Op.read("x", list(1))));
    assertThat(anomalies).filteredOn(a -> a.type() == Type.G1A).singleElement()
        .satisfies(a -> assertThat(a.txns()).containsExactly(2, 1));
  }

  @Test
  void readingANonFinalAppendIsG1b() {
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.append("x", 1), Op.append("x", 2)),
        ok(2, 0, 10, Op.read("x", list(1))),
        ok(3, 20, 30, Op.read("x", list(1, 2))));
    assertThat(anomalies).filteredOn(a -> a.type() == Type.G1B).singleElement()
        .satisfies(a -> assertThat(a.txns()).containsExactly(2, 1));
  }

  @Test
  void circularInformationFlowIsG1c() {
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.append("x", 1), Op.read("y", list(2))),
        ok(2, 0, 10, Op.append("y", 2), Op.read("x", list(1))));
    assertThat(types(anomalies)).containsExactly(Type.G1C);
    assertThat(anomalies.get(0).description()).contains("-wr(x)->", "-wr(y)->");
  }

  @Test
  void writeSkewIsG2() {
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.read("x", list()), Op.append("y", 1)),
        ok(2, 0, 10, Op.read("y", list()), Op.append("x", 2)),
        ok(3, 20, 30, Op.read("x", list(2)), Op.read("y", list(1))));
    assertThat(types(anomalies)).containsExactly(Type.G2);
    assertThat(anomalies.get(0).txns()).containsExactlyInAnyOrder(1, 2);
    assertThat(anomalies.get(0).description()).contains("-rw(x)->", "-rw(y)->");
  }

  @Test
  void aLostUpdateIsAnAntiDependencyCycleWithOneRwEdge() {
    // Both read x = [] and append; T3 sees T1 then T2, so T2 should have seen T1: G-single.
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.read("x", list()), Op.append("x", 1)),
        ok(2, 0, 10, Op.read("x", list()), Op.append("x", 2)),
        ok(3, 20, 30, Op.read("x", list(1, 2))));
    assertThat(anomalies).filteredOn(a -> a.type() == Type.G2).singleElement()
        .satisfies(a -> assertThat(a.description()).contains("G-single"));
  }

  @Test
  void aStaleReadAfterACompletedWriteIsARealTimeViolation() {
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.append("x", 1)),
        ok(2, 20, 30, Op.read("x", list())),
        ok(3, 40, 50, Op.read("x", list(1))));
    assertThat(types(anomalies)).containsExactly(Type.REAL_TIME);
    assertThat(anomalies.get(0).txns()).containsExactlyInAnyOrder(1, 2);
    assertThat(anomalies.get(0).description()).contains("-rt->", "-rw(x)->");
  }

  @Test
  void aCausalReverseAcrossKeysIsARealTimeViolation() {
    // T1 commits on x, then T2 on y; a reader sees T2's append but not T1's.
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.append("x", 1)),
        ok(2, 20, 30, Op.append("y", 2)),
        ok(3, 5, 40, Op.read("y", list(2)), Op.read("x", list())),
        ok(4, 50, 60, Op.read("x", list(1))));
    assertThat(types(anomalies)).containsExactly(Type.REAL_TIME);
    assertThat(anomalies.get(0).txns()).containsExactlyInAnyOrder(1, 2, 3);
  }

  @Test
  void incompatibleOrdersDuplicatesAndGarbageAreReported() {
    assertThat(types(check(
        ok(1, 0, 10, Op.append("x", 1), Op.append("x", 2)),
        ok(2, 20, 30, Op.read("x", list(2))),
        ok(3, 20, 30, Op.read("x", list(1, 2)))))).contains(Type.INCOMPATIBLE_ORDER);
    assertThat(types(check(
        ok(1, 0, 10, Op.append("x", 1)),
        ok(2, 20, 30, Op.read("x", list(1, 1)))))).contains(Type.DUPLICATE);
    assertThat(types(check(ok(1, 0, 10, Op.read("x", list(7)))))).containsExactly(Type.GARBAGE_READ);
    assertThat(types(check(
        ok(1, 0, 10, Op.append("y", 7)),
        ok(2, 20, 30, Op.read("x", list(7)))))).contains(Type.GARBAGE_READ);
    assertThat(types(check(
        ok(1, 0, 10, Op.append("x", 1)),
        ok(2, 0, 10, Op.append("x", 1))))).containsExactly(Type.DUPLICATE_APPEND);
  }

  @Test
  void aTransactionThatMissesItsOwnAppendIsInternallyInconsistent() {
    assertThat(types(check(ok(1, 0, 10, Op.append("x", 1), Op.read("x", list()))))).contains(Type.INTERNAL);
    assertThat(types(check(ok(1, 0, 10, Op.read("x", list()), Op.append("x", 1), Op.read("x", list(5, 1))))))
        .contains(Type.INTERNAL);
  }

  @Test
  void anAcknowledgedAppendMissingFromALaterReadIsLost() {
    List<Anomaly> anomalies = check(
        ok(1, 0, 10, Op.append("x", 1)),
        ok(2, 0, 10, Op.append("x", 2)),
        ok(3, 20, 30, Op.read("x", list(2))));
    assertThat(anomalies).filteredOn(a -> a.type() == Type.LOST_APPEND).singleElement()
        .satisfies(a -> assertThat(a.txns()).containsExactly(1, 3));
    // Not lost while no read began after the acknowledgement.
    assertThat(check(ok(1, 0, 10, Op.append("x", 1)), ok(2, 5, 30, Op.read("x", list())))).isEmpty();
  }

  @Test
  void anUnknownTransactionSeenOnOneKeyButMissingOnAnotherIsNonAtomic() {
    List<Anomaly> anomalies = check(
        new Txn(1, List.of(Op.append("x", 1), Op.append("y", 2)), 0, 10, Status.INFO),
        ok(2, 20, 30, Op.read("x", list(1))),
        ok(3, 40, 50, Op.read("y", list())));
    assertThat(types(anomalies)).contains(Type.NON_ATOMIC);
  }

  @Test
  void cyclesInLargeHistoriesAreFoundQuickly() {
    // 6,000 valid transactions with one G1c pair buried in the middle.
    List<Txn> history = new ArrayList<>(HistoryGen.serial(new Random(7), 6000, 30, 4).history());
    int id = 100_000;
    history.add(ok(id, 5_000, 5_010, Op.append("p", 900_001), Op.read("q", list(900_002))));
    history.add(ok(id + 1, 5_000, 5_010, Op.append("q", 900_002), Op.read("p", list(900_001))));
    long start = System.nanoTime();
    List<Anomaly> anomalies = ListAppendChecker.check(history);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(types(anomalies)).containsExactly(Type.G1C);
    assertThat(anomalies.get(0).txns()).containsExactlyInAnyOrder(id, id + 1);
    assertThat(millis).as("check time in ms").isLessThan(10_000);
  }
}
