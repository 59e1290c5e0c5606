package io.shardlite.operator.rebalance;

/**
 * Moves shard replicas between shard pods (Raft membership changes through the pods' admin API:
 * add a replica on the receiving pod, let it catch up, then remove the one on the giving pod) so
 * that every shard has its replicas on the target pods, spread evenly. The reconciler calls
 * {@link #step} on every reconciliation of a cluster whose shard StatefulSet exists, and shrinks
 * that StatefulSet only once a step reports the leaving pods empty.
 *
 * <p>Contract for implementations:
 *
 * <ul>
 *   <li>A step is bounded and short: it starts or checks moves, it never waits for one to finish.
 *   <li>A member is never removed before its replacement caught up, and no step takes a shard below
 *       a majority of its replication factor.
 *   <li>The target may change between steps (the user scales again mid-drain): moves toward the old
 *       target are abandoned cleanly and planning starts from the observed placement.
 *   <li>Pods that are not ready receive no replicas; when the placement cannot be observed the step
 *       reports {@link RebalanceProgress.State#UNKNOWN} (the reconciler then keeps every pod).
 * </ul>
 */
public interface ShardRebalancer {
  RebalanceProgress step(RebalanceRequest request);
}
