package io.shardlite.vmaster.check;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A checker for list-append histories in the spirit of Elle (Kingsbury and Alvaro): every key
 * holds a list, transactions append unique values and read whole lists. Because a read returns
 * the whole list, reads reveal each key's version order: the longest read of a key fixes it and
 * every other read must be a prefix of it. From that order the checker builds a dependency graph
 * over committed transactions (and unknown-outcome ones whose appends were observed):
 * <ul>
 *   <li>ww: T1 appended the version just before T2's append of the same key;</li>
 *   <li>wr: T2 read a list whose last element T1 appended;</li>
 *   <li>rw (anti-dependency): T1 read a prefix that T2's append (the next version) extends;</li>
 *   <li>rt (real time): T1 completed before T2 was invoked (transitively reduced).</li>
 * </ul>
 * Strongly connected components (Tarjan) of the graph restricted to growing edge sets give G0
 * (ww), G1c (ww+wr), G2 (+rw) and real-time violations (+rt); for each component one short cycle
 * through an edge of the defining type is reported. Besides cycles it reports aborted reads
 * (G1a), intermediate reads (G1b), incompatible orders, duplicates, values nobody appended,
 * transactions that do not see their own appends, lost acknowledged appends and appends of one
 * transaction that are only partly visible. Pure: no I/O, no clocks.
 */
public final class ListAppendChecker {
  /** ok: committed; fail: definitely not applied; info: unknown (a timeout, a crash). */
  public enum Status { OK, FAIL, INFO }

  /** Dependency kinds, in the order cycle classes admit them. */
  public enum Edge {
    WW, WR, RW, RT;

    String label() {
      return name().toLowerCase();
    }
  }

  public enum Type {
    G0, G1A, G1B, G1C, G2, REAL_TIME, INCOMPATIBLE_ORDER, DUPLICATE, GARBAGE_READ, INTERNAL, LOST_APPEND,
    NON_ATOMIC, DUPLICATE_APPEND
  }

  /**
   * One micro-operation: an append of {@code value} to {@code key}, or a read of {@code key} that
   * returned {@code read} ({@code null} when unknown, e.g. in a transaction without an outcome).
   */
  public record Op(boolean append, String key, long value, List<Long> read) {
    public static Op append(String key, long value) {
      return new Op(true, key, value, null);
    }

    public static Op read(String key, List<Long> read) {
      return new Op(false, key, 0, read == null ? null : List.copyOf(read));
    }

    /** A read whose result is not known. */
    public static Op read(String key) {
      return new Op(false, key, 0, null);
    }

    @Override
    public String toString() {
      return append ? "append(" + key + ", " + value + ")" : "read(" + key + ") -> " + (read == null ? "?" : read);
    }
  }

  /** One transaction with its client-side invocation and completion times (System.nanoTime). */
  public record Txn(int id, List<Op> ops, long invokeNanos, long completeNanos, Status status) {
    public Txn {
      ops = List.copyOf(ops);
    }

    @Override
    public String toString() {
      return "T" + id + " " + status.name().toLowerCase() + " [" + invokeNanos + ", " + completeNanos + "] " + ops;
    }
  }

  /** One anomaly: its class, the transactions involved and a readable explanation. */
  public record Anomaly(Type type, List<Integer> txns, String description) {
    @Override
    public String toString() {
      return type + ": " + description;
    }
  }

  private ListAppendChecker() {}

  /** The anomalies found; empty means the history is strictly serializable as far as it shows. */
  public static List<Anomaly> check(List<Txn> history) {
    return new Run(history).check();
  }

  /** The transactions of {@code history} named by {@code anomaly}, for a report. */
  public static List<Txn> involved(List<Txn> history, Anomaly anomaly) {
    Set<Integer> ids = new HashSet<>(anomaly.txns());
    return history.stream().filter(t -> ids.contains(t.id())).toList();
  }

  /** State of one check. */
  private static final class Run {
    private final List<Txn> history;
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final Map<Long, Txn> writerOf = new HashMap<>();
    /** Per key, per writer: the values it appended to that key, in order. */
    private final Map<String, Map<Integer, List<Long>>> appends = new HashMap<>();
    /** Per key: the version order (the longest read of a committed transaction). */
    private final Map<String, List<Long>> order = new HashMap<>();
    /** Per key: the position of each value in the version order. */
    private final Map<String, Map<Long, Integer>> position = new HashMap<>();

    Run(List<Txn> history) {
      this.history = history;
    }

    List<Anomaly> check() {
      indexAppends();
      versionOrders();
      reads();
      internal();
      visibility();
      cycles();
      return anomalies;
    }

    private void add(Type type, String description, Integer... txns) {
      anomalies.add(new Anomaly(type, List.of(txns).stream().distinct().toList(), description));
    }

    private void indexAppends() {
      for (Txn t : history) {
        for (Op op : t.ops()) {
          if (op.append()) {
            Txn previous = writerOf.putIfAbsent(op.value(), t);
            if (previous != null) {
              add(Type.DUPLICATE_APPEND, "value " + op.value() + " appended by T" + previous.id() + " and again by T"
                  + t.id() + " (values must be unique)", previous.id(), t.id());
            }
            appends.computeIfAbsent(op.key(), k -> new HashMap<>()).computeIfAbsent(t.id(), k -> new ArrayList<>())
                .add(op.value());
          }
        }
      }
    }

    private static boolean known(Txn t, Op op) {
      return t.status() == Status.OK && !op.append() && op.read() != null;
    }

    private void versionOrders() {
      for (Txn t : history) {
        for (Op op : t.ops()) {
          if (known(t, op) && (!order.containsKey(op.key()) || op.read().size() > order.get(op.key()).size())) {
            order.put(op.key(), op.read());
          }
        }
      }
      order.forEach((key, versions) -> {
        Map<Long, Integer> pos = new HashMap<>();
        for (int i = 0; i < versions.size(); i++) {
          pos.putIfAbsent(versions.get(i), i);
        }
        position.put(key, pos);
      });
    }

    private void reads() {
      Set<String> reportedOrders = new HashSet<>();
      for (Txn t : history) {
        for (Op op : t.ops()) {
          if (!known(t, op)) {
            continue;
          }
          List<Long> read = op.read();
          List<Long> longest = order.get(op.key());
          if (!longest.subList(0, read.size()).equals(read) && reportedOrders.add(op.key() + " " + read)) {
            Txn other = longestReader(op.key());
            add(Type.INCOMPATIBLE_ORDER, "T" + t.id() + " read " + op.key() + " = " + read + " but T" + other.id()
                + " read " + longest + ": not a prefix, so no single order of appends explains both", t.id(), other.id());
          }
          if (new HashSet<>(read).size() != read.size()) {
            add(Type.DUPLICATE, "T" + t.id() + " read " + op.key() + " = " + read + " with a value twice", t.id());
          }
          for (int i = 0; i < read.size(); i++) {
            long v = read.get(i);
            Txn w = writerOf.get(v);
            if (w == null) {
              add(Type.GARBAGE_READ, "T" + t.id() + " read " + v + " in " + op.key() + ", which nobody appended", t.id());
              continue;
            }
            List<Long> ownAppends = appends.get(op.key()) == null ? null : appends.get(op.key()).get(w.id());
            if (ownAppends == null || !ownAppends.contains(v)) {
              add(Type.GARBAGE_READ, "T" + t.id() + " read " + v + " in " + op.key() + ", but T" + w.id()
                  + " appended it to another key", t.id(), w.id());
              continue;
            }
            if (w.status() == Status.FAIL) {
              add(Type.G1A, "T" + t.id() + " read " + op.key() + " = " + read + ", which includes " + v
                  + " appended by T" + w.id() + " that failed (aborted read)", t.id(), w.id());
            }
            if (w != t && i == read.size() - 1 && ownAppends.indexOf(v) < ownAppends.size() - 1) {
              add(Type.G1B, "T" + t.id() + " read " + op.key() + " = " + read + ", ending at " + v + ", but T" + w.id()
                  + " appended " + ownAppends + " to " + op.key() + " (intermediate read)", t.id(), w.id());
            }
          }
        }
      }
    }

    private Txn longestReader(String key) {
      List<Long> longest = order.get(key);
      for (Txn t : history) {
        for (Op op : t.ops()) {
          if (known(t, op) && op.key().equals(key) && op.read() == longest) {
            return t;
          }
        }
      }
      throw new IllegalStateException();
    }

    /** A transaction sees its own earlier appends, in order, at the end of a later read. */
    private void internal() {
      for (Txn t : history) {
        if (t.status() != Status.OK) {
          continue;
        }
        Map<String, List<Long>> state = new HashMap<>();
        Map<String, Boolean> exact = new HashMap<>();
        for (Op op : t.ops()) {
          List<Long> s = state.computeIfAbsent(op.key(), k -> new ArrayList<>());
          if (op.append()) {
            s.add(op.value());
            continue;
          }
          if (op.read() == null) {
            continue;
          }
          boolean isExact = exact.getOrDefault(op.key(), false);
          List<Long> read = op.read();
          boolean fine = isExact ? read.equals(s)
              : read.size() >= s.size() && read.subList(read.size() - s.size(), read.size()).equals(s);
          if (!fine) {
            add(Type.INTERNAL, "T" + t.id() + " read " + op.key() + " = " + read + " but its own earlier operations imply "
                + (isExact ? s : "a list ending in " + s), t.id());
          }
          state.put(op.key(), new ArrayList<>(read));
          exact.put(op.key(), true);
        }
      }
    }

    /**
     * Once a transaction's append is known to be committed (it was acknowledged, or a read that
     * completed observed one of its appends), a read of that key invoked afterwards must contain
     * it. A value that then never shows up in the key's version order is lost (acknowledged) or
     * shows a partly visible transaction. (A value that shows up only later makes a stale read,
     * which the cycle search reports as a real-time violation.)
     */
    private void visibility() {
      Map<String, Txn> lastReader = new HashMap<>(); // key -> known read invoked last
      Map<Long, Long> firstObserved = new HashMap<>(); // value -> earliest completion of a read that saw it
      for (Txn t : history) {
        for (Op op : t.ops()) {
          if (known(t, op)) {
            lastReader.merge(op.key(), t, (a, b) -> a.invokeNanos() >= b.invokeNanos() ? a : b);
            for (long v : op.read()) {
              firstObserved.merge(v, t.completeNanos(), Math::min);
            }
          }
        }
      }
      for (Txn t : history) {
        if (t.status() == Status.FAIL) {
          continue;
        }
        long committedBy = t.status() == Status.OK ? t.completeNanos() : Long.MAX_VALUE;
        for (Op op : t.ops()) {
          if (op.append() && firstObserved.containsKey(op.value())) {
            committedBy = Math.min(committedBy, firstObserved.get(op.value()));
          }
        }
        for (Op op : t.ops()) {
          Txn reader = op.append() ? lastReader.get(op.key()) : null;
          if (reader == null || reader.invokeNanos() <= committedBy || position.get(op.key()).containsKey(op.value())) {
            continue;
          }
          String where = "never appears in a read of " + op.key() + ", although T" + reader.id()
              + " read " + op.key() + " after the append was committed";
          if (t.status() == Status.OK && committedBy == t.completeNanos()) {
            add(Type.LOST_APPEND, "T" + t.id() + "'s acknowledged append of " + op.value() + " " + where, t.id(),
                reader.id());
          } else {
            add(Type.NON_ATOMIC, "T" + t.id() + " (" + t.status().name().toLowerCase()
                + ") had appends observed, but its append of " + op.value() + " " + where, t.id(), reader.id());
          }
        }
      }
    }

    // ---------------------------------------------------------------------------------------
    // The dependency graph and its cycles.

    private List<Txn> nodes;
    private Map<Integer, Integer> index;
    /** Per node: successor -> edge info (bit per Edge type, and a key explaining each). */
    private List<Map<Integer, EdgeInfo>> graph;

    private static final class EdgeInfo {
      int types;
      final String[] keys = new String[Edge.values().length];

      void add(Edge e, String key) {
        if ((types & (1 << e.ordinal())) == 0) {
          types |= 1 << e.ordinal();
          keys[e.ordinal()] = key;
        }
      }
    }

    private void cycles() {
      Set<Long> observed = new HashSet<>();
      order.values().forEach(observed::addAll);
      nodes = new ArrayList<>();
      for (Txn t : history) {
        boolean seen = t.ops().stream().anyMatch(op -> op.append() && observed.contains(op.value()));
        if (t.status() == Status.OK || (t.status() == Status.INFO && seen)) {
          nodes.add(t);
        }
      }
      index = new HashMap<>();
      for (int i = 0; i < nodes.size(); i++) {
        index.put(nodes.get(i).id(), i);
      }
      graph = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        graph.add(new HashMap<>());
      }
      order.forEach((key, versions) -> {
        for (int i = 0; i + 1 < versions.size(); i++) {
          edge(writerOf.get(versions.get(i)), writerOf.get(versions.get(i + 1)), Edge.WW, key);
        }
      });
      for (Txn t : nodes) {
        for (Op op : t.ops()) {
          if (!known(t, op)) {
            continue;
          }
          List<Long> versions = order.get(op.key());
          List<Long> read = op.read();
          if (!read.isEmpty()) {
            edge(writerOf.get(read.get(read.size() - 1)), t, Edge.WR, op.key());
          }
          if (read.size() < versions.size()) {
            edge(t, writerOf.get(versions.get(read.size())), Edge.RW, op.key());
          }
        }
      }
      realTimeEdges();

      Edge[] defining = Edge.values();
      Type[] types = {Type.G0, Type.G1C, Type.G2, Type.REAL_TIME};
      for (int c = 0; c < defining.length; c++) {
        int allowed = (1 << (c + 1)) - 1;
        int must = 1 << c;
        for (List<Integer> scc : sccs(allowed)) {
          List<int[]> cycle = cycleThrough(scc, allowed, must);
          if (cycle != null) {
            report(types[c], cycle, allowed, scc.size());
          }
        }
      }
    }

    private void edge(Txn from, Txn to, Edge e, String key) {
      Integer a = from == null ? null : index.get(from.id());
      Integer b = to == null ? null : index.get(to.id());
      if (a != null && b != null && !a.equals(b)) {
        graph.get(a).computeIfAbsent(b, k -> new EdgeInfo()).add(e, key);
      }
    }

    /**
     * T1 -> T2 when T1 (committed, so its completion is known) completed before T2 was invoked.
     * Only edges not implied by a chain of others are added: scanning T2 by invocation, once some
     * T2' with T1 -> T2' has completed, every later-invoked T2 is reached through T2'.
     */
    private void realTimeEdges() {
      List<Txn> byInvoke = new ArrayList<>(nodes);
      byInvoke.sort(Comparator.comparingLong(Txn::invokeNanos));
      long[] invokes = byInvoke.stream().mapToLong(Txn::invokeNanos).toArray();
      for (Txn t1 : nodes) {
        if (t1.status() != Status.OK) {
          continue;
        }
        int j = upperBound(invokes, t1.completeNanos());
        long frontier = Long.MAX_VALUE;
        for (; j < byInvoke.size() && byInvoke.get(j).invokeNanos() <= frontier; j++) {
          Txn t2 = byInvoke.get(j);
          edge(t1, t2, Edge.RT, null);
          if (t2.status() == Status.OK) {
            frontier = Math.min(frontier, t2.completeNanos());
          }
        }
      }
    }

    /** First index whose value is greater than {@code x}. */
    private static int upperBound(long[] sorted, long x) {
      int lo = 0;
      int hi = sorted.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (sorted[mid] <= x) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }

    /** Components of more than one node (iterative Tarjan) over edges with a type in {@code allowed}. */
    private List<List<Integer>> sccs(int allowed) {
      int n = graph.size();
      int[] idx = new int[n];
      int[] low = new int[n];
      boolean[] onStack = new boolean[n];
      Arrays.fill(idx, -1);
      int[] stack = new int[n];
      int sp = 0;
      int counter = 0;
      List<List<Integer>> out = new ArrayList<>();
      int[][] succ = new int[n][];
      int[] pos = new int[n];
      int[] frames = new int[n];
      for (int start = 0; start < n; start++) {
        if (idx[start] >= 0) {
          continue;
        }
        int fp = 0;
        frames[fp++] = start;
        idx[start] = low[start] = counter++;
        stack[sp++] = start;
        onStack[start] = true;
        while (fp > 0) {
          int v = frames[fp - 1];
          if (succ[v] == null) {
            succ[v] = successors(v, allowed);
          }
          if (pos[v] < succ[v].length) {
            int w = succ[v][pos[v]++];
            if (idx[w] < 0) {
              idx[w] = low[w] = counter++;
              stack[sp++] = w;
              onStack[w] = true;
              frames[fp++] = w;
            } else if (onStack[w]) {
              low[v] = Math.min(low[v], idx[w]);
            }
          } else {
            fp--;
            if (fp > 0) {
              int parent = frames[fp - 1];
              low[parent] = Math.min(low[parent], low[v]);
            }
            if (low[v] == idx[v]) {
              List<Integer> comp = new ArrayList<>();
              int w;
              do {
                w = stack[--sp];
                onStack[w] = false;
                comp.add(w);
              } while (w != v);
              if (comp.size() > 1) {
                Collections.sort(comp);
                out.add(comp);
              }
            }
          }
        }
      }
      return out;
    }

    private int[] successors(int v, int allowed) {
      return graph.get(v).entrySet().stream().filter(e -> (e.getValue().types & allowed) != 0)
          .mapToInt(Map.Entry::getKey).sorted().toArray();
    }

    /**
     * A short cycle inside {@code scc} using edges in {@code allowed} and at least one edge of
     * type {@code must}: every edge inside a strongly connected component lies on a cycle, so
     * take such an edge u -> v and close it with a shortest path v ~> u (BFS). Tries a few edges
     * and keeps the shortest cycle. Returns [from, to, type] steps, or null if the component has
     * no such edge (then its cycles belong to an earlier class, already reported).
     */
    private List<int[]> cycleThrough(List<Integer> scc, int allowed, int must) {
      Set<Integer> members = new HashSet<>(scc);
      List<int[]> best = null;
      int tries = 0;
      for (int u : scc) {
        for (Map.Entry<Integer, EdgeInfo> e : graph.get(u).entrySet()) {
          int v = e.getKey();
          if ((e.getValue().types & must) == 0 || !members.contains(v)) {
            continue;
          }
          List<int[]> path = shortestPath(v, u, members, allowed);
          if (path != null) {
            List<int[]> cycle = new ArrayList<>();
            cycle.add(new int[] {u, v, Integer.numberOfTrailingZeros(must)});
            cycle.addAll(path);
            if (best == null || cycle.size() < best.size()) {
              best = cycle;
            }
          }
          if (++tries >= 16 || (best != null && best.size() == 2)) {
            return best;
          }
        }
      }
      return best;
    }

    private List<int[]> shortestPath(int from, int to, Set<Integer> members, int allowed) {
      if (from == to) {
        return List.of();
      }
      Map<Integer, Integer> parent = new HashMap<>();
      Deque<Integer> queue = new ArrayDeque<>();
      parent.put(from, from);
      queue.add(from);
      while (!queue.isEmpty()) {
        int x = queue.poll();
        for (Map.Entry<Integer, EdgeInfo> e : graph.get(x).entrySet()) {
          int y = e.getKey();
          if ((e.getValue().types & allowed) == 0 || !members.contains(y) || parent.containsKey(y)) {
            continue;
          }
          parent.put(y, x);
          if (y == to) {
            List<int[]> path = new ArrayList<>();
            for (int c = to; c != from; c = parent.get(c)) {
              int p = parent.get(c);
              int types = graph.get(p).get(c).types & allowed;
              path.add(new int[] {p, c, Integer.numberOfTrailingZeros(types)});
            }
            Collections.reverse(path);
            return path;
          }
          queue.add(y);
        }
      }
      return null;
    }

    private void report(Type type, List<int[]> cycle, int allowed, int sccSize) {
      StringBuilder text = new StringBuilder();
      List<Integer> ids = new ArrayList<>();
      for (int[] step : cycle) {
        Txn from = nodes.get(step[0]);
        ids.add(from.id());
        Edge e = Edge.values()[step[2]];
        String key = graph.get(step[0]).get(step[1]).keys[e.ordinal()];
        text.append("T").append(from.id()).append(" -").append(e.label()).append(key == null ? "" : "(" + key + ")")
            .append("-> ");
      }
      text.append("T").append(nodes.get(cycle.get(0)[0]).id());
      long rw = cycle.stream().filter(s -> s[2] == Edge.RW.ordinal()).count();
      String note = switch (type) {
        case G0 -> "write cycle";
        case G1C -> "circular information flow";
        case G2 -> rw == 1 ? "G-single, anti-dependency cycle" : "anti-dependency cycle";
        case REAL_TIME -> "cycle needs a real-time edge: serializable but not strictly";
        default -> "";
      };
      Map<Integer, String> details = new LinkedHashMap<>();
      for (int[] step : cycle) {
        Txn t = nodes.get(step[0]);
        details.put(t.id(), t.toString());
      }
      anomalies.add(new Anomaly(type, ids, note + " in a component of " + sccSize + " transactions: " + text
          + "; " + details.values().stream().collect(Collectors.joining("; "))));
    }
  }

  /** For reports: the distinct keys a history touches. */
  public static Set<String> keys(List<Txn> history) {
    Set<String> keys = new LinkedHashSet<>();
    history.forEach(t -> t.ops().forEach(op -> keys.add(op.key())));
    return keys;
  }
}
