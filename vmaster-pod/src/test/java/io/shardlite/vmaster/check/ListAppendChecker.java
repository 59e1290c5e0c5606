package io.shardlite.vmaster.check;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checker for list-append histories in the spirit of Elle: every key holds a list, transactions
 * append unique values and read whole lists. From the reads it infers each key's version order,
 * builds the dependency graph (write-write, write-read, read-write) plus real-time edges, and
 * reports cycles by class (G0, G1c, G2, real-time), aborted and intermediate reads (G1a, G1b),
 * incompatible orders, duplicates and lost acknowledged appends. Pure: no I/O.
 */
public final class ListAppendChecker {
  public enum Status { OK, FAIL, INFO }

  public enum Edge { WW, WR, RW, RT }

  /** One micro-operation: an append of {@code value}, or a read that returned {@code read}. */
  public record Op(boolean append, String key, long value, List<Long> read) {
    public static Op append(String key, long value) {
      return new Op(true, key, value, null);
    }

    public static Op read(String key, List<Long> read) {
      return new Op(false, key, 0, read);
    }
  }

  /** One transaction with its client-side invocation and completion times. */
  public record Txn(int id, List<Op> ops, long invokeNanos, long completeNanos, Status status) {}

  private ListAppendChecker() {}

  /** The anomalies found (empty = the history is strictly serializable as far as it shows). */
  public static List<String> check(List<Txn> history) {
    List<String> anomalies = new ArrayList<>();
    Map<Long, Txn> writerOf = new HashMap<>();
    Map<Long, Integer> indexInWriter = new HashMap<>();
    Map<String, Map<Txn, List<Long>>> appendsByKey = new HashMap<>();
    for (Txn t : history) {
      for (Op op : t.ops()) {
        if (op.append()) {
          if (writerOf.put(op.value(), t) != null) {
            anomalies.add("value " + op.value() + " appended twice");
          }
          List<Long> mine = appendsByKey.computeIfAbsent(op.key(), k -> new HashMap<>())
              .computeIfAbsent(t, k -> new ArrayList<>());
          indexInWriter.put(op.value(), mine.size());
          mine.add(op.value());
        }
      }
    }
    // Version order per key: the longest read; every other read must be a prefix of it.
    Map<String, List<Long>> order = new HashMap<>();
    for (Txn t : history) {
      if (t.status() != Status.OK) {
        continue;
      }
      for (Op op : t.ops()) {
        if (!op.append() && op.read().size() > order.getOrDefault(op.key(), List.of()).size()) {
          order.put(op.key(), op.read());
        }
      }
    }
    for (Txn t : history) {
      if (t.status() != Status.OK) {
        continue;
      }
      for (Op op : t.ops()) {
        if (op.append()) {
          continue;
        }
        List<Long> longest = order.getOrDefault(op.key(), List.of());
        if (!longest.subList(0, Math.min(op.read().size(), longest.size())).equals(op.read())) {
          anomalies.add("incompatible order on key " + op.key() + ": T" + t.id() + " read " + op.read()
              + ", longest read is " + longest);
        }
        if (new HashSet<>(op.read()).size() != op.read().size()) {
          anomalies.add("duplicate values in T" + t.id() + "'s read of " + op.key() + ": " + op.read());
        }
        for (int i = 0; i < op.read().size(); i++) {
          long v = op.read().get(i);
          Txn w = writerOf.get(v);
          if (w == null) {
            anomalies.add("T" + t.id() + " read value " + v + " of key " + op.key() + " that nobody appended");
            continue;
          }
          if (w.status() == Status.FAIL) {
            anomalies.add("G1a (aborted read): T" + t.id() + " read " + v + " appended by failed T" + w.id());
          }
          List<Long> writes = appendsByKey.get(op.key()).get(w);
          boolean lastOfRead = i == op.read().size() - 1;
          if (w != t && lastOfRead && indexInWriter.get(v) < writes.size() - 1) {
            anomalies.add("G1b (intermediate read): T" + t.id() + " read " + op.read() + " ending inside T" + w.id()
                + "'s appends " + writes);
          }
        }
      }
    }
    // Lost acknowledged appends: an OK append completed before a read began must be in that read.
    for (Txn r : history) {
      if (r.status() != Status.OK) {
        continue;
      }
      for (Op op : r.ops()) {
        if (op.append()) {
          continue;
        }
        Set<Long> seen = new HashSet<>(op.read());
        appendsByKey.getOrDefault(op.key(), Map.of()).forEach((w, values) -> {
          if (w.status() == Status.OK && w.completeNanos() < r.invokeNanos()) {
            for (long v : values) {
              if (!seen.contains(v)) {
                anomalies.add("lost append: T" + w.id() + " appended " + v + " to " + op.key() + " (acknowledged) but T"
                    + r.id() + ", which began later, read " + op.read());
              }
            }
          }
        });
      }
    }
    anomalies.addAll(cycles(history, writerOf, order));
    return anomalies;
  }

  private static List<String> cycles(List<Txn> history, Map<Long, Txn> writerOf, Map<String, List<Long>> order) {
    // Nodes: committed transactions and unknown-outcome ones whose appends were observed.
    Set<Long> observed = new HashSet<>();
    order.values().forEach(observed::addAll);
    List<Txn> nodes = new ArrayList<>();
    for (Txn t : history) {
      boolean seen = t.ops().stream().anyMatch(op -> op.append() && observed.contains(op.value()));
      if (t.status() == Status.OK || (t.status() == Status.INFO && seen)) {
        nodes.add(t);
      }
    }
    Map<Txn, Integer> index = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      index.put(nodes.get(i), i);
    }
    List<Map<Integer, EnumSet<Edge>>> graph = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      graph.add(new HashMap<>());
    }
    order.forEach((key, versions) -> {
      for (int i = 0; i + 1 < versions.size(); i++) {
        edge(graph, index, writerOf.get(versions.get(i)), writerOf.get(versions.get(i + 1)), Edge.WW);
      }
    });
    for (Txn t : nodes) {
      if (t.status() != Status.OK) {
        continue;
      }
      for (Op op : t.ops()) {
        if (op.append()) {
          continue;
        }
        List<Long> versions = order.getOrDefault(op.key(), List.of());
        if (!op.read().isEmpty()) {
          edge(graph, index, writerOf.get(op.read().get(op.read().size() - 1)), t, Edge.WR);
        }
        if (op.read().size() < versions.size()) {
          edge(graph, index, t, writerOf.get(versions.get(op.read().size())), Edge.RW);
        }
      }
    }
    realTimeEdges(graph, index, nodes);

    List<String> found = new ArrayList<>();
    List<EnumSet<Edge>> classes = List.of(EnumSet.of(Edge.WW), EnumSet.of(Edge.WW, Edge.WR),
        EnumSet.of(Edge.WW, Edge.WR, Edge.RW), EnumSet.allOf(Edge.class));
    List<String> names = List.of("G0 (write cycle)", "G1c (circular information flow)", "G2 (anti-dependency cycle)",
        "real-time (strict serializability) violation");
    Set<Set<Integer>> reported = new HashSet<>();
    for (int c = 0; c < classes.size(); c++) {
      for (List<Integer> scc : sccs(graph, classes.get(c))) {
        Set<Integer> members = new HashSet<>(scc);
        if (reported.stream().anyMatch(members::containsAll)) {
          continue;
        }
        reported.add(members);
        List<String> ids = scc.stream().limit(8).map(i -> "T" + nodes.get(i).id()).toList();
        found.add(names.get(c) + " among " + scc.size() + " transactions, e.g. " + ids);
      }
    }
    return found;
  }

  private static void edge(List<Map<Integer, EnumSet<Edge>>> graph, Map<Txn, Integer> index, Txn from, Txn to, Edge e) {
    Integer a = from == null ? null : index.get(from);
    Integer b = to == null ? null : index.get(to);
    if (a != null && b != null && !a.equals(b)) {
      graph.get(a).computeIfAbsent(b, k -> EnumSet.noneOf(Edge.class)).add(e);
    }
  }

  /** T1 -> T2 when T1 completed before T2 began; transitively reduced to keep the graph small. */
  private static void realTimeEdges(List<Map<Integer, EnumSet<Edge>>> graph, Map<Txn, Integer> index, List<Txn> nodes) {
    List<Txn> ok = nodes.stream().filter(t -> t.status() == Status.OK)
        .sorted(Comparator.comparingLong(Txn::invokeNanos)).toList();
    long[] invokes = ok.stream().mapToLong(Txn::invokeNanos).toArray();
    for (Txn t1 : ok) {
      int j = Arrays.binarySearch(invokes, t1.completeNanos() + 1);
      j = j < 0 ? -j - 1 : j;
      long frontier = Long.MAX_VALUE;
      for (; j < ok.size() && ok.get(j).invokeNanos() < frontier; j++) {
        Txn t2 = ok.get(j);
        if (t2.invokeNanos() > t1.completeNanos()) {
          edge(graph, index, t1, t2, Edge.RT);
          frontier = Math.min(frontier, t2.completeNanos());
        }
      }
    }
  }

  /** Strongly connected components of more than one node, using only edges with a type in {@code allowed}. */
  static List<List<Integer>> sccs(List<Map<Integer, EnumSet<Edge>>> graph, EnumSet<Edge> allowed) {
    int n = graph.size();
    int[] idx = new int[n];
    int[] low = new int[n];
    boolean[] onStack = new boolean[n];
    Arrays.fill(idx, -1);
    Deque<Integer> stack = new ArrayDeque<>();
    List<List<Integer>> out = new ArrayList<>();
    int[] counter = {0};
    List<List<Integer>> succ = new ArrayList<>(java.util.Collections.nCopies(n, null));
    for (int start = 0; start < n; start++) {
      if (idx[start] >= 0) {
        continue;
      }
      // Iterative Tarjan: (node, iterator position) frames.
      Deque<int[]> frames = new ArrayDeque<>();
      frames.push(new int[] {start, 0});
      idx[start] = low[start] = counter[0]++;
      stack.push(start);
      onStack[start] = true;
      while (!frames.isEmpty()) {
        int[] f = frames.peek();
        int v = f[0];
        if (succ.get(v) == null) {
          List<Integer> s = new ArrayList<>();
          graph.get(v).forEach((w, types) -> {
            if (!java.util.Collections.disjoint(types, allowed)) {
              s.add(w);
            }
          });
          succ.set(v, s);
        }
        List<Integer> s = succ.get(v);
        if (f[1] < s.size()) {
          int w = s.get(f[1]++);
          if (idx[w] < 0) {
            idx[w] = low[w] = counter[0]++;
            stack.push(w);
            onStack[w] = true;
            frames.push(new int[] {w, 0});
          } else if (onStack[w]) {
            low[v] = Math.min(low[v], idx[w]);
          }
        } else {
          frames.pop();
          if (!frames.isEmpty()) {
            int parent = frames.peek()[0];
            low[parent] = Math.min(low[parent], low[v]);
          }
          if (low[v] == idx[v]) {
            List<Integer> comp = new ArrayList<>();
            int w;
            do {
              w = stack.pop();
              onStack[w] = false;
              comp.add(w);
            } while (w != v);
            if (comp.size() > 1) {
              out.add(comp);
            }
          }
        }
      }
    }
    return out;
  }

  /** For reports: the distinct keys a history touches. */
  public static Set<String> keys(List<Txn> history) {
    Set<String> keys = new LinkedHashSet<>();
    history.forEach(t -> t.ops().forEach(op -> keys.add(op.key())));
    return keys;
  }
}
