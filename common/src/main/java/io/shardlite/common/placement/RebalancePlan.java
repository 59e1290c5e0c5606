package io.shardlite.common.placement;

import java.util.List;
import java.util.Optional;

/**
 * The planner's answer for one round: the steps to run now (at most one per shard group), where
 * the rebalance stands, and, when the target is impossible, why (then there are no steps).
 */
public record RebalancePlan(List<RebalanceStep> steps, RebalanceProgress progress, Optional<RebalanceRefusal> refusal) {
  public RebalancePlan {
    steps = List.copyOf(steps);
    if (refusal.isPresent() && !steps.isEmpty()) {
      throw new IllegalArgumentException("a refused plan has no steps");
    }
  }

  public boolean refused() {
    return refusal.isPresent();
  }

  public boolean done() {
    return refusal.isEmpty() && progress.done();
  }
}
