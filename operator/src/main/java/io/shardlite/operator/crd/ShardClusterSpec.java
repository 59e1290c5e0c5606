package io.shardlite.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** What the user asks for. Absent fields take the defaults of {@link EffectiveSpec}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.replicationFactor) ? self.replicationFactor : 3) <= "
    + "(has(self.shardPods) && has(self.shardPods.replicas) ? self.shardPods.replicas : 3)",
    message = "replicationFactor must not exceed shardPods.replicas (defaults: 3 and 3)")
@ValidationRule(value = "(has(self.replicationFactor) ? self.replicationFactor : 3) % 2 == 1",
    message = "replicationFactor must be odd (a Raft majority of an even group tolerates no more failures)")
public class ShardClusterSpec {
  @Required
  @Min(1)
  @Max(4096)
  @ValidationRule(value = "self == oldSelf", message = "shards is immutable (resharding is not supported yet)")
  @JsonPropertyDescription("Number of shards (SQLite databases, each a Raft group). Immutable.")
  private Integer shards;

  @Min(1)
  @Max(7)
  @JsonPropertyDescription("Replicas of every shard, odd, at most shardPods.replicas. Default 3.")
  private Integer replicationFactor;

  @JsonPropertyDescription("The StatefulSet of shard servers.")
  private ShardPodsSpec shardPods;

  @JsonPropertyDescription("The sequencer Raft group (3 or 5 replicas).")
  private SequencerSpec sequencer;

  @JsonPropertyDescription("The virtual masters (stateless; the scale subresource).")
  private VirtualMastersSpec virtualMasters;

  @Pattern("^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?$")
  @JsonPropertyDescription("Image repository of the pods (one image for all three kinds). Default ghcr.io/shardlite/shardlite.")
  private String image;

  @Pattern("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
  @JsonPropertyDescription("Image tag = shardlite version of the pods. Default: the operator's default version.")
  private String version;

  @JsonPropertyDescription("Prometheus metrics of the pods.")
  private MetricsSpec metrics;

  public Integer getShards() {
    return shards;
  }

  public void setShards(Integer shards) {
    this.shards = shards;
  }

  public Integer getReplicationFactor() {
    return replicationFactor;
  }

  public void setReplicationFactor(Integer replicationFactor) {
    this.replicationFactor = replicationFactor;
  }

  public ShardPodsSpec getShardPods() {
    return shardPods;
  }

  public void setShardPods(ShardPodsSpec shardPods) {
    this.shardPods = shardPods;
  }

  public SequencerSpec getSequencer() {
    return sequencer;
  }

  public void setSequencer(SequencerSpec sequencer) {
    this.sequencer = sequencer;
  }

  public VirtualMastersSpec getVirtualMasters() {
    return virtualMasters;
  }

  public void setVirtualMasters(VirtualMastersSpec virtualMasters) {
    this.virtualMasters = virtualMasters;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public MetricsSpec getMetrics() {
    return metrics;
  }

  public void setMetrics(MetricsSpec metrics) {
    this.metrics = metrics;
  }
}
