package io.shardlite.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.shardlite.operator.ownership.OwnershipObserver;
import io.shardlite.operator.ownership.SequencerOwnershipObserver;
import io.shardlite.operator.rebalance.ObservingRebalancer;
import io.shardlite.operator.rebalance.ShardRebalancer;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

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

  /** Observes the placement through the shard pods' admin API; swap in a moving implementation here. */
  @Produces
  @Singleton
  ShardRebalancer rebalancer() {
    return new ObservingRebalancer(Duration.ofSeconds(3));
  }
}
