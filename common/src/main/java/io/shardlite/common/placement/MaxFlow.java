package io.shardlite.common.placement;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Maximum flow on a small directed graph (Dinic's algorithm). Deterministic: edges are explored in
 * the order they were added. Used to assign drained replicas to target nodes without overfilling any.
 */
final class MaxFlow {
  private final List<List<Integer>> adjacency = new ArrayList<>();
  /** Edge i: to[i], remaining capacity cap[i]; edge i^1 is its reverse. */
  private final List<Integer> to = new ArrayList<>();
  private final List<Integer> cap = new ArrayList<>();

  int addVertex() {
    adjacency.add(new ArrayList<>());
    return adjacency.size() - 1;
  }

  /** Adds an edge and returns its id, for {@link #flow}. */
  int addEdge(int from, int target, int capacity) {
    int id = to.size();
    to.add(target);
    cap.add(capacity);
    adjacency.get(from).add(id);
    to.add(from);
    cap.add(0);
    adjacency.get(target).add(id + 1);
    return id;
  }

  /** Flow through an edge after {@link #run}. */
  int flow(int edge) {
    return cap.get(edge ^ 1);
  }

  int run(int source, int sink) {
    int total = 0;
    int[] level = new int[adjacency.size()];
    while (bfs(source, sink, level)) {
      int[] next = new int[adjacency.size()];
      int pushed;
      while ((pushed = dfs(source, sink, Integer.MAX_VALUE, level, next)) > 0) {
        total += pushed;
      }
    }
    return total;
  }

  private boolean bfs(int source, int sink, int[] level) {
    Arrays.fill(level, -1);
    level[source] = 0;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    queue.add(source);
    while (!queue.isEmpty()) {
      int v = queue.poll();
      for (int e : adjacency.get(v)) {
        int w = to.get(e);
        if (level[w] < 0 && cap.get(e) > 0) {
          level[w] = level[v] + 1;
          queue.add(w);
        }
      }
    }
    return level[sink] >= 0;
  }

  private int dfs(int v, int sink, int limit, int[] level, int[] next) {
    if (v == sink) {
      return limit;
    }
    List<Integer> edges = adjacency.get(v);
    for (; next[v] < edges.size(); next[v]++) {
      int e = edges.get(next[v]);
      int w = to.get(e);
      if (cap.get(e) > 0 && level[w] == level[v] + 1) {
        int pushed = dfs(w, sink, Math.min(limit, cap.get(e)), level, next);
        if (pushed > 0) {
          cap.set(e, cap.get(e) - pushed);
          cap.set(e ^ 1, cap.get(e ^ 1) + pushed);
          return pushed;
        }
      }
    }
    return 0;
  }
}
