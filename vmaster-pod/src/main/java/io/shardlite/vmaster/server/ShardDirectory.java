package io.shardlite.vmaster.server;

import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.ListGroupsResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which shard servers host which shard, and which of them leads it, learned by asking every
 * shard server (ListGroups). Requests go to the leader's server when known (saves a hop inside
 * the shard pod), else to any server hosting the shard.
 */
final class ShardDirectory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardDirectory.class);

  private final List<String> endpoints;
  private final List<ShardNodeClient> clients = new ArrayList<>();
  private volatile Map<Integer, List<ShardNodeClient>> byShard = Map.of();
  private volatile Map<Integer, ShardNodeClient> leaderByShard = Map.of();
  private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "shard-directory-refresh");
    t.setDaemon(true);
    return t;
  });
  private CompletableFuture<Void> pending;

  ShardDirectory(List<String> endpoints, Duration deadline) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one shard server endpoint (host:port) is required");
    }
    this.endpoints = List.copyOf(endpoints);
    for (String e : endpoints) {
      int colon = e.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("shard server endpoint '" + e + "' is not host:port");
      }
      clients.add(new ShardNodeClient(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)), deadline));
    }
  }

  /** Asks every shard server what it hosts; servers that do not answer are skipped this round. */
  synchronized void refresh() {
    Map<Integer, List<ShardNodeClient>> leaders = new HashMap<>();
    Map<Integer, List<ShardNodeClient>> others = new HashMap<>();
    for (int i = 0; i < clients.size(); i++) {
      ListGroupsResponse groups;
      try {
        groups = clients.get(i).listGroups();
      } catch (RuntimeException e) {
        LOG.debug("shard server {} did not answer: {}", endpoints.get(i), e.toString());
        continue;
      }
      for (GroupStatus g : groups.getGroupsList()) {
        (g.getRole().equals("LEADER") ? leaders : others)
            .computeIfAbsent(g.getShardId(), k -> new ArrayList<>()).add(clients.get(i));
      }
    }
    Map<Integer, List<ShardNodeClient>> next = new HashMap<>(others);
    Map<Integer, ShardNodeClient> nextLeaders = new HashMap<>();
    leaders.forEach((shard, list) -> {
      List<ShardNodeClient> ordered = new ArrayList<>(list);
      ordered.addAll(others.getOrDefault(shard, List.of()));
      next.put(shard, ordered);
      nextLeaders.put(shard, list.get(0));
    });
    byShard = next;
    leaderByShard = nextLeaders;
  }

  /**
   * A {@link #refresh} on a background thread, for callers that must not block on it (a server
   * that does not answer holds a refresh for the whole call deadline); calls while one runs share it.
   */
  CompletableFuture<Void> refreshInBackground() {
    synchronized (background) {
      if (pending == null || pending.isDone()) {
        pending = CompletableFuture.runAsync(this::refresh, background);
      }
      return pending;
    }
  }

  /** Servers hosting {@code shard}, the leader's first; empty if none is known. */
  List<ShardNodeClient> serversOf(int shard) {
    return byShard.getOrDefault(shard, List.of());
  }

  /** The server whose replica of {@code shard} said it leads, at the last refresh; null if none did. */
  ShardNodeClient leaderOf(int shard) {
    return leaderByShard.get(shard);
  }

  @Override
  public void close() {
    background.shutdownNow();
    clients.forEach(ShardNodeClient::close);
  }
}
