package io.shardlite.client.cli;

import io.shardlite.common.placement.PlacementTarget;
import io.shardlite.common.placement.RebalancePlan;
import io.shardlite.common.placement.RebalancePlanner;
import io.shardlite.common.shard.GrpcShardMembership;
import io.shardlite.common.shard.Rebalancer;
import io.shardlite.common.shard.ShardServerAddress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardlite rebalance}: moves shard replicas so that the first {@code --target} servers (in
 * the order given) hold every replica, balanced, and the others hold none; prints progress each
 * round. The replication factor never drops during a move (add, catch up, then remove).
 */
@Command(name = "rebalance", mixinStandardHelpOptions = true,
    description = "Move shard replicas onto the first --target servers (in the order given), balanced, emptying the"
        + " others (highest first). Adds before it removes: no shard goes below its replication factor.")
final class RebalanceCommand implements Callable<Integer> {
  static final int DONE = 0;
  static final int NOT_FINISHED = 1;
  static final int BAD_ARGUMENTS = 2;
  static final int REFUSED = 3;

  @Option(names = {"-s", "--server"}, required = true, split = ",", paramLabel = "ID=GRPC_HOST:PORT/RAFT_HOST:PORT",
      description = "Every shard server, in ordinal order: id, gRPC endpoint and Raft address (as `shardlite local`"
          + " prints them), e.g. s1=127.0.0.1:7001/127.0.0.1:7000.")
  List<String> servers;

  @Option(names = "--target", description = "How many of the servers (the first ones) keep replicas (default: all).")
  Integer target;

  @Option(names = "--shards", required = true, description = "Number of shards of the cluster.")
  int shards;

  @Option(names = "--replication-factor", defaultValue = "3", description = "Replicas per shard (default ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(names = "--max-moves", defaultValue = "" + RebalancePlanner.DEFAULT_MAX_MOVES_IN_FLIGHT,
      description = "Shards moving at once (default ${DEFAULT-VALUE}).")
  int maxMoves;

  @Option(names = "--timeout", defaultValue = "600", description = "Give up after this many seconds (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--dry-run", description = "Print the current placement and the next moves, change nothing.")
  boolean dryRun;

  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() {
    List<ShardServerAddress> addresses = new ArrayList<>();
    PlacementTarget placement;
    Rebalancer.Settings settings;
    try {
      for (String spec : servers) {
        addresses.add(ShardServerAddress.parse(spec.trim()));
      }
      List<String> ids = addresses.stream().map(ShardServerAddress::id).toList();
      if (shards < 1 || timeoutSeconds < 1) {
        throw new IllegalArgumentException("--shards and --timeout must be at least 1");
      }
      placement = PlacementTarget.ofOrdinals(ids, target == null ? ids.size() : target, replicationFactor);
      settings = new Rebalancer.Settings(maxMoves, 1000, Duration.ofSeconds(30), Duration.ofMillis(200));
    } catch (IllegalArgumentException e) {
      err.println("rebalance: " + e.getMessage());
      return BAD_ARGUMENTS;
    }
    out.printf("target: %s keep replicas (replication factor %d)%s%n", placement.targetNodes(), replicationFactor,
        placement.leavingNodes().isEmpty() ? "" : ", " + placement.leavingNodes() + " are emptied");
    try (GrpcShardMembership membership = new GrpcShardMembership(addresses, Duration.ofSeconds(10),
        Duration.ofSeconds(120))) {
      Rebalancer rebalancer = new Rebalancer(membership, settings);
      if (dryRun) {
        Rebalancer.Observation observation = rebalancer.observe(shards, placement);
        observation.unreachable().forEach((id, why) -> err.printf("  %s did not answer: %s%n", id, why));
        RebalancePlan plan = new RebalancePlanner(maxMoves).plan(observation.cluster(), placement);
        print(plan);
        plan.steps().forEach(s -> out.println("  next: " + s.describe()));
        return plan.refused() ? REFUSED : DONE;
      }
      Rebalancer.Round last = rebalancer.runUntilDone(shards, placement, Duration.ofSeconds(timeoutSeconds), this::print);
      if (last.plan().refused()) {
        return REFUSED;
      }
      if (!last.done()) {
        err.printf("rebalance: not finished after %d s: %s%n", timeoutSeconds, last.plan().progress().summary());
        return NOT_FINISHED;
      }
      out.println("done: " + last.plan().progress().summary());
      return DONE;
    }
  }

  private void print(Rebalancer.Round round) {
    round.unreachable().forEach((id, why) -> err.printf("  %s did not answer: %s%n", id, why));
    print(round.plan());
    for (Rebalancer.StepOutcome o : round.outcomes()) {
      out.printf("  %s: %s %s%n", o.step().describe(), o.result(), o.detail());
    }
  }

  private void print(RebalancePlan plan) {
    if (plan.refused()) {
      err.printf("refused (%s): %s%n", plan.refusal().orElseThrow().reason(), plan.refusal().orElseThrow().message());
      return;
    }
    out.println(plan.progress().summary());
    plan.progress().blocked().forEach(b -> out.println("  waiting: " + b));
  }
}
