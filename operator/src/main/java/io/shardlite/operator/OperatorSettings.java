package io.shardlite.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.shardlite.operator.ownership.OwnershipObserver;
import io.shardlite.operator.ownership.SequencerOwnershipObserver;
import io.shardlite.operator.rebalance.MovingRebalancer;
import io.shardlite.operator.rebalance.ObservingRebalancer;
import io.shardlite.operator.rebalance.ShardRebalancer;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The operator's wiring: leader election, and what the reconciler uses to observe and move things in the pods. */
public class OperatorSettings {
  /** Several operator replicas may run; one reconciles, the others wait. */
  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection() {
    return new LeaderElectionConfiguration("shardlite-operator-leader");
  }

  /** Reads shard ownership per virtual master from the sequencer, for status. */
  @Produces
  @Singleton
  OwnershipObserver ownership() {
    return new SequencerOwnershipObserver(Duration.ofSeconds(3));
  }

  /**
   * Moves shard replicas between shard pods through their admin API (3 s per listing, up to 2 min
   * for an add that catches a new member up). With {@code shardlite.operator.move-replicas=false}
   * it only observes and reports, and scale-in waits for replicas moved by hand.
   */
  @Produces
  @Singleton
  ShardRebalancer rebalancer(
      @ConfigProperty(name = "shardlite.operator.move-replicas", defaultValue = "true") boolean moveReplicas) {
    return moveReplicas ? MovingRebalancer.overGrpc(Duration.ofSeconds(3), Duration.ofMinutes(2))
        : new ObservingRebalancer(Duration.ofSeconds(3));
  }
}
