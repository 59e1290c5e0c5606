package io.shardlite.operator.rebalance;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a rebalancing step observed and where it stands.
 *
 * @param replicasPerPod shard replicas hosted by each pod, as observed in this step (empty when
 *     {@link State#UNKNOWN})
 * @param movesDone replica moves completed toward the current target so far
 * @param movesRemaining replica moves still needed (at least), 0 when balanced
 */
public record RebalanceProgress(State state, Map<String, Integer> replicasPerPod, int movesDone, int movesRemaining,
    String message) {

  public enum State {
    /** The placement could not be observed (a pod did not answer): nothing may shrink. */
    UNKNOWN,
    /** Replicas are moving toward the target. */
    MOVING,
    /** Replicas must move but this step cannot move them; the message says why. */
    BLOCKED,
    /** Every shard has its replicas on the target pods, spread evenly: nothing to move. */
    BALANCED
  }

  public RebalanceProgress {
    replicasPerPod = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(replicasPerPod));
  }

  public static RebalanceProgress unknown(String message) {
    return new RebalanceProgress(State.UNKNOWN, Map.of(), 0, 0, message);
  }

  /** Observed, and the pod holds no replica (an unobserved pod is never empty). */
  public boolean observedEmpty(String pod) {
    return state != State.UNKNOWN && replicasPerPod.containsKey(pod) && replicasPerPod.get(pod) == 0;
  }
}
