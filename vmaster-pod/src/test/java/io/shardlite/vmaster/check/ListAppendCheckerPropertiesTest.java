package io.shardlite.vmaster.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.vmaster.check.ListAppendChecker.Anomaly;
import io.shardlite.vmaster.check.ListAppendChecker.Op;
import io.shardlite.vmaster.check.ListAppendChecker.Status;
import io.shardlite.vmaster.check.ListAppendChecker.Txn;
import io.shardlite.vmaster.check.ListAppendChecker.Type;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties over random histories (seeded, so a failure names its seed): every serial execution
 * with consistent real times is accepted, and injecting one anomaly into such a history gets it
 * rejected with the injected class.
 */
class ListAppendCheckerPropertiesTest {
  private static final int SEEDS = 100;

  static IntStream seeds() {
    return IntStream.range(0, SEEDS);
  }

  private static HistoryGen.Generated generate(long seed) {
    Random random = new Random(seed);
    int txns = 20 + random.nextInt(300);
    int keys = 1 + random.nextInt(12);
    return HistoryGen.serial(random, txns, keys, 1 + random.nextInt(5));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void serialExecutionsWithConsistentRealTimeAreAccepted(long seed) {
    List<Txn> history = generate(seed).history();
    assertThat(ListAppendChecker.check(history)).as("seed %d", seed).isEmpty();
    // Order in the history does not matter.
    List<Txn> shuffled = new ArrayList<>(history);
    java.util.Collections.shuffle(shuffled, new Random(seed));
    assertThat(ListAppendChecker.check(shuffled)).as("seed %d shuffled", seed).isEmpty();
  }

  /** An injection: mutates a valid history, or returns empty if it does not apply to it. */
  enum Injection {
    /** A transaction whose append someone read is recorded as failed. */
    ABORTED_READ(EnumSet.of(Type.G1A), Injection::failObservedWriter),
    /** An acknowledged append vanishes from every read. */
    LOST_APPEND(EnumSet.of(Type.LOST_APPEND), Injection::loseAcknowledgedAppend),
    /** A read misses an append acknowledged before the read was invoked. */
    STALE_READ(EnumSet.of(Type.REAL_TIME, Type.G2), Injection::staleRead),
    /** Two values of a read trade places. */
    REORDERED(EnumSet.of(Type.INCOMPATIBLE_ORDER), Injection::reorder),
    /** A read returns a value twice. */
    DUPLICATED(EnumSet.of(Type.DUPLICATE), Injection::duplicate),
    /** A read stops between two appends of one transaction to that key. */
    INTERMEDIATE_READ(EnumSet.of(Type.G1B), Injection::intermediateRead),
    /** Two transactions each read the other's append: information flows in a circle. */
    CIRCULAR_FLOW(EnumSet.of(Type.G1C), Injection::circularFlow),
    /** Two transactions each miss the other's append (write skew). */
    WRITE_SKEW(EnumSet.of(Type.G2), Injection::writeSkew);

    final Set<Type> expected;
    final Function<Random, Function<List<Txn>, Optional<List<Txn>>>> mutation;

    Injection(Set<Type> expected, Mutation mutation) {
      this.expected = expected;
      this.mutation = random -> history -> mutation.apply(history, random);
    }

    interface Mutation {
      Optional<List<Txn>> apply(List<Txn> history, Random random);
    }

    private static Txn with(Txn t, List<Op> ops) {
      return new Txn(t.id(), ops, t.invokeNanos(), t.completeNanos(), t.status());
    }

    private static boolean isKnownRead(Txn t, Op op) {
      return t.status() == Status.OK && !op.append() && op.read() != null;
    }

    /** Applies {@code change} to one randomly chosen known read satisfying {@code pick}. */
    private static Optional<List<Txn>> mutateRead(List<Txn> history, Random random,
        java.util.function.BiPredicate<Txn, Op> pick, java.util.function.BiFunction<Txn, Op, List<Long>> change) {
      List<int[]> candidates = new ArrayList<>();
      for (int i = 0; i < history.size(); i++) {
        List<Op> ops = history.get(i).ops();
        for (int j = 0; j < ops.size(); j++) {
          if (isKnownRead(history.get(i), ops.get(j)) && pick.test(history.get(i), ops.get(j))) {
            candidates.add(new int[] {i, j});
          }
        }
      }
      if (candidates.isEmpty()) {
        return Optional.empty();
      }
      int[] c = candidates.get(random.nextInt(candidates.size()));
      Txn t = history.get(c[0]);
      List<Op> ops = new ArrayList<>(t.ops());
      ops.set(c[1], Op.read(ops.get(c[1]).key(), change.apply(t, ops.get(c[1]))));
      List<Txn> out = new ArrayList<>(history);
      out.set(c[0], with(t, ops));
      return Optional.of(out);
    }

    private static java.util.Map<Long, Txn> writers(List<Txn> history) {
      java.util.Map<Long, Txn> writers = new java.util.HashMap<>();
      history.forEach(t -> t.ops().stream().filter(Op::append).forEach(o -> writers.putIfAbsent(o.value(), t)));
      return writers;
    }

    private static Optional<List<Txn>> failObservedWriter(List<Txn> history, Random random) {
      java.util.Map<Long, Txn> writers = writers(history);
      List<Txn> observed = history.stream().filter(r -> r.status() == Status.OK)
          .flatMap(r -> r.ops().stream().filter(o -> isKnownRead(r, o))
              .flatMap(o -> o.read().stream().map(writers::get).filter(w -> w != null && w != r)))
          .distinct().toList();
      if (observed.isEmpty()) {
        return Optional.empty();
      }
      Txn w = observed.get(random.nextInt(observed.size()));
      List<Txn> out = new ArrayList<>(history);
      out.set(out.indexOf(w), new Txn(w.id(), w.ops(), w.invokeNanos(), w.completeNanos(), Status.FAIL));
      return Optional.of(out);
    }

    private static Optional<List<Txn>> loseAcknowledgedAppend(List<Txn> history, Random random) {
      List<Op> acked = history.stream().filter(t -> t.status() == Status.OK)
          .flatMap(t -> t.ops().stream().filter(Op::append)).toList();
      if (acked.isEmpty()) {
        return Optional.empty();
      }
      Op lost = acked.get(random.nextInt(acked.size()));
      List<Txn> out = new ArrayList<>();
      for (Txn t : history) {
        out.add(with(t, t.ops().stream().map(o -> o.append() || o.read() == null || !o.key().equals(lost.key()) ? o
            : Op.read(o.key(), o.read().stream().filter(v -> v != lost.value()).toList())).toList()));
      }
      return Optional.of(out);
    }

    private static Optional<List<Txn>> staleRead(List<Txn> history, Random random) {
      java.util.Map<Long, Txn> writers = writers(history);
      java.util.Map<String, Integer> longest = new java.util.HashMap<>();
      history.forEach(t -> t.ops().stream().filter(o -> isKnownRead(t, o))
          .forEach(o -> longest.merge(o.key(), o.read().size(), Math::max)));
      java.util.function.BiPredicate<Txn, Long> ackedBefore = (t, v) -> writers.containsKey(v)
          && writers.get(v).status() == Status.OK && writers.get(v).completeNanos() < t.invokeNanos();
      // Not a read that fixes the key's version order (cutting that one would lose appends instead).
      return mutateRead(history, random,
          (t, op) -> t.ops().stream().noneMatch(o -> o.append() && o.key().equals(op.key()))
              && op.read().size() < longest.get(op.key())
              && op.read().stream().anyMatch(v -> ackedBefore.test(t, v)),
          (t, op) -> {
            List<Integer> acked = new ArrayList<>();
            for (int i = 0; i < op.read().size(); i++) {
              if (ackedBefore.test(t, op.read().get(i))) {
                acked.add(i);
              }
            }
            return op.read().subList(0, acked.get(random.nextInt(acked.size())));
          });
    }

    private static Optional<List<Txn>> reorder(List<Txn> history, Random random) {
      return mutateRead(history, random, (t, op) -> op.read().size() >= 2, (t, op) -> {
        List<Long> read = new ArrayList<>(op.read());
        int i = random.nextInt(read.size() - 1);
        java.util.Collections.swap(read, i, i + 1);
        return read;
      });
    }

    private static Optional<List<Txn>> duplicate(List<Txn> history, Random random) {
      return mutateRead(history, random, (t, op) -> !op.read().isEmpty(), (t, op) -> {
        List<Long> read = new ArrayList<>(op.read());
        read.add(read.get(random.nextInt(read.size())));
        return read;
      });
    }

    private static Optional<List<Txn>> intermediateRead(List<Txn> history, Random random) {
      // A read (by another transaction) that contains value b, where the writer of b appended a
      // and then b to that key; cut the read right after a.
      java.util.Map<Long, Txn> writers = writers(history);
      return mutateRead(history, random, (t, op) -> cut(writers, t, op) >= 0,
          (t, op) -> op.read().subList(0, cut(writers, t, op) + 1));
    }

    private static int cut(java.util.Map<Long, Txn> writers, Txn reader, Op op) {
      for (int i = 0; i + 1 < op.read().size(); i++) {
        Txn w = writers.get(op.read().get(i));
        if (w != null && w == writers.get(op.read().get(i + 1)) && w != reader) {
          return i;
        }
      }
      return -1;
    }

    /** Adds two overlapping transactions on fresh keys, each reading the other's append. */
    private static Optional<List<Txn>> circularFlow(List<Txn> history, Random random) {
      long t = history.get(random.nextInt(history.size())).invokeNanos();
      List<Txn> out = new ArrayList<>(history);
      out.add(new Txn(1_000_000, List.of(Op.append("fresh-a", 1_000_001), Op.read("fresh-b", List.of(1_000_002L))),
          t, t + 5, Status.OK));
      out.add(new Txn(1_000_001, List.of(Op.append("fresh-b", 1_000_002), Op.read("fresh-a", List.of(1_000_001L))),
          t + 1, t + 6, Status.OK));
      return Optional.of(out);
    }

    /**
     * Adds two overlapping transactions on fresh keys: X reads b empty and appends to a, Y reads a
     * empty and appends to b, and a later reader sees both appends.
     */
    private static Optional<List<Txn>> writeSkew(List<Txn> history, Random random) {
      long t = history.get(random.nextInt(history.size())).invokeNanos();
      long end = history.stream().mapToLong(Txn::completeNanos).max().orElse(0) + 100;
      List<Txn> out = new ArrayList<>(history);
      out.add(new Txn(2_000_000, List.of(Op.read("fresh-b", List.of()), Op.append("fresh-a", 2_000_001)),
          t, t + 5, Status.OK));
      out.add(new Txn(2_000_001, List.of(Op.read("fresh-a", List.of()), Op.append("fresh-b", 2_000_002)),
          t + 1, t + 6, Status.OK));
      out.add(new Txn(2_000_002, List.of(Op.read("fresh-a", List.of(2_000_001L)), Op.read("fresh-b", List.of(2_000_002L))),
          end, end + 1, Status.OK));
      return Optional.of(out);
    }
  }

  static Stream<Arguments> injections() {
    return Stream.of(Injection.values()).flatMap(i -> IntStream.range(0, 30).mapToObj(seed -> Arguments.of(i, seed)));
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @MethodSource("injections")
  void anInjectedAnomalyIsReported(Injection injection, long seed) {
    Random random = new Random(seed * 31 + injection.ordinal());
    // Retry generation until the injection applies (some histories lack what it needs).
    for (int attempt = 0; attempt < 50; attempt++) {
      List<Txn> history = generate(random.nextLong()).history();
      Optional<List<Txn>> mutated = injection.mutation.apply(random).apply(history);
      if (mutated.isEmpty()) {
        continue;
      }
      List<Anomaly> anomalies = ListAppendChecker.check(mutated.get());
      assertThat(anomalies).as("%s, seed %d", injection, seed)
          .anySatisfy(a -> assertThat(injection.expected).contains(a.type()));
      return;
    }
    throw new AssertionError(injection + " never applied");
  }
}
