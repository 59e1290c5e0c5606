package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.shardlite.operator.Names;
import java.util.Optional;

/**
 * One voluntary disruption at a time for the Raft pods: with replication factor 3 (or a 3-replica
 * sequencer) a majority stays up. A single-replica component gets no budget: a budget that can
 * never be satisfied would block node drains forever.
 */
public final class DisruptionBudgets {
  private DisruptionBudgets() {}

  public static Optional<PodDisruptionBudget> shards(ClusterView c) {
    return budget(c, Names.shards(c.name()), Names.SHARD, c.shardPodsNow());
  }

  public static Optional<PodDisruptionBudget> sequencer(ClusterView c) {
    return budget(c, Names.sequencer(c.name()), Names.SEQUENCER, c.spec().sequencers());
  }

  private static Optional<PodDisruptionBudget> budget(ClusterView c, String name, String component, int replicas) {
    if (replicas < 2) {
      return Optional.empty();
    }
    return Optional.of(new PodDisruptionBudgetBuilder()
        .withMetadata(c.meta(name, component))
        .withNewSpec().withMaxUnavailable(new IntOrString(1))
          .withNewSelector().withMatchLabels(Names.selector(c.name(), component)).endSelector()
        .endSpec().build());
  }
}
