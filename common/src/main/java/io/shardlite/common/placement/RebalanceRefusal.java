package io.shardlite.common.placement;

/**
 * Why a target cannot be reached at all (nothing is changed while refused).
 *
 * @param reason a CamelCase word for a Kubernetes condition's reason
 * @param message a sentence for people
 */
public record RebalanceRefusal(String reason, String message) {
  /** The target has fewer nodes than the replication factor. */
  public static final String TOO_FEW_NODES = "TooFewShardPods";
}
