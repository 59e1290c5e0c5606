package io.shardlite.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Leader election: several operator replicas may run; one reconciles, the others wait. */
public class OperatorSettings {
  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection() {
    return new LeaderElectionConfiguration("shardlite-operator-leader");
  }
}
