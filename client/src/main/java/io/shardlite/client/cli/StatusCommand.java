package io.shardlite.client.cli;

import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.ListGroupsResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shardlite status}: the shard groups of one or more shard servers, with role, lag and size. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show shard groups, leaders and lag.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = {"-s", "--server"}, required = true, split = ",", description = "Shard server gRPC endpoints host:port,...")
  List<String> servers;

  @Override
  public Integer call() {
    int failures = 0;
    for (String endpoint : servers) {
      try (ShardNodeClient client = Endpoints.connect(endpoint, Duration.ofSeconds(5))) {
        ListGroupsResponse r = client.listGroups();
        System.out.printf("server %s (%s): %d groups%n", r.getNodeId(), endpoint, r.getGroupsCount());
        System.out.printf("  %-6s %-9s %-7s %6s %10s %10s %10s %7s %10s  %s%n", "shard", "role", "leader", "term",
            "applied", "lag", "snapshot", "epoch", "bytes", "replicas");
        for (GroupStatus g : r.getGroupsList()) {
          System.out.printf("  %-6d %-9s %-7s %6d %10d %10d %10d %7d %10d  %s%n", g.getShardId(), g.getRole(),
              g.getLeaderId(), g.getTerm(), g.getAppliedIndex(), g.getCommitIndex() - g.getAppliedIndex(),
              g.getSnapshotIndex(), g.getEpoch(), g.getSizeBytes(),
              g.getPeersList().stream().map(p -> p.getId()).collect(Collectors.joining(",")));
        }
      } catch (RuntimeException e) {
        System.err.printf("server %s: %s%n", endpoint, e.getMessage());
        failures++;
      }
    }
    return failures == 0 ? 0 : 1;
  }
}
