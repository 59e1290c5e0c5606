package io.shardlite.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.shardlite.operator.rebalance.ObservingRebalancer;
import io.shardlite.operator.rebalance.ShardRebalancer;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/** The operator's wiring: leader election, and the rebalancer the reconciler uses. */
public class OperatorSettings {
  /** Several operator replicas may run; one reconciles, the others wait. */
  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection() {
    return new LeaderElectionConfiguration("shardlite-operator-leader");
  }

  /** Observes the placement through the shard pods' admin API; swap in a moving implementation here. */
  @Produces
  @Singleton
  ShardRebalancer rebalancer() {
    return new ObservingRebalancer(Duration.ofSeconds(3));
  }
}
