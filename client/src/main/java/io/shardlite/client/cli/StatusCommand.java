package io.shardlite.client.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.shardlite.common.client.ShardliteClient;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.ListGroupsResponse;
import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.SequencerGrpc;
import io.shardlite.proto.ShardOwner;
import io.shardlite.proto.VmAddress;
import io.shardlite.proto.WatchOwnershipRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardlite status}: for a shard server, its shard groups with role, lag and size; for a
 * sequencer replica, the ownership table it has applied (which virtual master owns each shard, at
 * which epoch) and the registered virtual masters; for a virtual master (which answers only
 * transactions), a linearizable read of every shard through it, with the time it took: which
 * shards it can serve right now. Each endpoint's kind is found by asking it.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show shard groups, leaders and lag (shard servers), shard ownership (sequencer replicas) or"
        + " shard reachability (virtual masters).")
final class StatusCommand implements Callable<Integer> {
  /** Probing stops here even if a virtual master keeps answering (no cluster has that many shards). */
  static final int MAX_SHARDS = 4096;

  @Option(names = {"-s", "--server"}, required = true, split = ",",
      description = "Shard server, sequencer or virtual master gRPC endpoints host:port,... (any kinds, mixed).")
  List<String> servers;

  @Override
  public Integer call() {
    int failures = 0;
    for (String endpoint : servers) {
      try (ShardNodeClient client = Endpoints.connect(endpoint, Duration.ofSeconds(5))) {
        ListGroupsResponse r;
        try {
          r = client.listGroups();
        } catch (RuntimeException e) {
          if (!unimplemented(e)) {
            throw e;
          }
          Boolean owners = sequencer(endpoint);
          failures += (owners != null ? owners : virtualMaster(endpoint)) ? 0 : 1;
          continue;
        }
        System.out.printf("shard server %s (%s): %d groups%n", r.getNodeId(), endpoint, r.getGroupsCount());
        System.out.printf("  %-6s %-9s %-7s %6s %10s %10s %10s %7s %10s  %s%n", "shard", "role", "leader", "term",
            "applied", "lag", "snapshot", "epoch", "bytes", "replicas");
        for (GroupStatus g : r.getGroupsList()) {
          System.out.printf("  %-6d %-9s %-7s %6d %10d %10d %10d %7d %10d  %s%n", g.getShardId(), g.getRole(),
              g.getLeaderId(), g.getTerm(), g.getAppliedIndex(), g.getCommitIndex() - g.getAppliedIndex(),
              g.getSnapshotIndex(), g.getEpoch(), g.getSizeBytes(),
              g.getPeersList().stream().map(p -> p.getId()).collect(Collectors.joining(",")));
        }
      } catch (RuntimeException e) {
        System.err.printf("server %s: %s%n", endpoint, String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        failures++;
      }
    }
    return failures == 0 ? 0 : 1;
  }

  /** True when the endpoint answers gRPC but not the shard server's admin service (a virtual master). */
  static boolean unimplemented(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return true;
      }
    }
    return false;
  }

  /**
   * The ownership table a sequencer replica has applied (the first message of its watch stream):
   * null when the endpoint is no sequencer; false when a shard has no owner.
   */
  private static Boolean sequencer(String endpoint) {
    ManagedChannel channel = Endpoints.channel(endpoint);
    OwnershipUpdate table;
    try {
      table = SequencerGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .watchOwnership(WatchOwnershipRequest.getDefaultInstance()).next();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return null;
      }
      throw e;
    } finally {
      channel.shutdownNow(); // ends the watch stream too
    }
    Map<String, Long> owned = table.getOwnersList().stream()
        .collect(Collectors.groupingBy(ShardOwner::getOwner, Collectors.counting()));
    System.out.printf("sequencer replica %s: %d shards, %d virtual masters (as of its log index %d)%n", endpoint,
        table.getOwnersCount(), table.getVmsCount(), table.getAppliedIndex());
    System.out.printf("  %-10s %-22s %-9s %s%n", "vm", "address", "draining", "shards owned");
    for (VmAddress vm : table.getVmsList()) {
      System.out.printf("  %-10s %-22s %-9s %d%n", vm.getVmId(), vm.getAddress(), vm.getDraining() ? "yes" : "no",
          owned.getOrDefault(vm.getVmId(), 0L));
    }
    System.out.printf("  %-6s %-10s %s%n", "shard", "owner", "epoch");
    boolean allOwned = true;
    for (ShardOwner o : table.getOwnersList()) {
      allOwned &= !o.getOwner().isEmpty();
      System.out.printf("  %-6d %-10s %d%n", o.getShard(), o.getOwner().isEmpty() ? "(none)" : o.getOwner(), o.getEpoch());
    }
    return allOwned;
  }

  /** Reads every shard through one virtual master, shard 0, 1, ... until it says there is no such shard. */
  private static boolean virtualMaster(String endpoint) {
    int failed = 0;
    StringBuilder rows = new StringBuilder();
    int shard = 0;
    try (ShardliteClient client = new ShardliteClient(List.of(endpoint), Duration.ofSeconds(5))) {
      for (; shard < MAX_SHARDS; shard++) {
        long start = System.nanoTime();
        ExecuteReply r = client.execute(ExecuteRequest.newBuilder().setShard(shard)
            .addStatements(ShardliteClient.statement("", "SELECT count(*) FROM sqlite_master WHERE type = 'table'"))
            .build());
        double ms = (System.nanoTime() - start) / 1e6;
        if (r.hasError() && r.getError().getCode() == ErrorCode.UNKNOWN_SHARD) {
          break;
        }
        if (r.hasError() && r.getError().getCode() == ErrorCode.INTERNAL && shard == 0) {
          System.err.printf("server %s: neither a shard server nor a virtual master: %s%n", endpoint, r.getError().getMessage());
          return false;
        }
        if (r.hasError()) {
          failed++;
          rows.append(String.format("  %-6d %-10s %9.1f  %s%s%n", shard, "ERROR", ms, r.getError().getCode(),
              r.getError().getRetryable() ? " (retryable)" : ""));
        } else {
          rows.append(String.format("  %-6d %-10s %9.1f  %d tables%n", shard, "ok", ms,
              r.getResults(0).getRows(0).getValues(0).getInteger()));
        }
      }
    }
    System.out.printf("virtual master %s: %d shards, %d readable now (linearizable read through it)%n", endpoint, shard,
        shard - failed);
    System.out.printf("  %-6s %-10s %9s  %s%n", "shard", "read", "ms", "detail");
    System.out.print(rows);
    return failed == 0;
  }
}
