package io.shardlite.operator;

import io.shardlite.operator.crd.ShardClusterSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The CRD's validation rules (OpenAPI bounds and CEL) in Java, applied by the reconciler too: an
 * API server that skipped them (or an older CRD) must not make the operator act on a bad spec.
 * Keep every rule in step with the annotations on the CRD classes (a test checks both).
 */
public final class ShardClusterValidation {
  private ShardClusterValidation() {}

  /** What was fixed at creation, read back from the cluster's ConfigMap (null fields: not created yet). */
  public record Recorded(Integer shards, Integer sequencers) {
    public static final Recorded NONE = new Recorded(null, null);
  }

  /** Problems of {@code spec}, each a sentence; empty when valid. */
  public static List<String> problems(ShardClusterSpec spec, Recorded recorded) {
    List<String> p = new ArrayList<>();
    if (spec == null || spec.getShards() == null) {
      p.add("spec.shards is required");
    }
    EffectiveSpec e = EffectiveSpec.of(spec);
    if (e.shards() < 1 || e.shards() > 4096) {
      p.add("shards must be in [1, 4096], got " + e.shards());
    }
    if (e.replicationFactor() < 1 || e.replicationFactor() > 7) {
      p.add("replicationFactor must be in [1, 7], got " + e.replicationFactor());
    }
    if (e.replicationFactor() % 2 == 0) {
      p.add("replicationFactor must be odd (a Raft majority of an even group tolerates no more failures), got "
          + e.replicationFactor());
    }
    if (e.shardPods() < 1 || e.shardPods() > 256) {
      p.add("shardPods.replicas must be in [1, 256], got " + e.shardPods());
    }
    if (e.replicationFactor() > e.shardPods()) {
      p.add("replicationFactor must not exceed shardPods.replicas: " + e.replicationFactor() + " > " + e.shardPods());
    }
    if (e.sequencers() != 3 && e.sequencers() != 5) {
      p.add("sequencer.replicas must be 3 or 5, got " + e.sequencers());
    }
    if (e.virtualMasters() < 1 || e.virtualMasters() > 256) {
      p.add("virtualMasters.replicas must be in [1, 256], got " + e.virtualMasters());
    }
    if (!e.version().matches("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")) {
      p.add("version must be an image tag, got '" + e.version() + "'");
    }
    if (!e.image().matches("^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?$")) {
      p.add("image must be an image repository, got '" + e.image() + "'");
    }
    if (recorded.shards() != null && recorded.shards() != e.shards()) {
      p.add("shards is immutable (resharding is not supported yet): created with " + recorded.shards() + ", now "
          + e.shards());
    }
    if (recorded.sequencers() != null && recorded.sequencers() != e.sequencers()) {
      p.add("sequencer.replicas is immutable (sequencer membership changes are not supported yet): created with "
          + recorded.sequencers() + ", now " + e.sequencers());
    }
    return p;
  }
}
