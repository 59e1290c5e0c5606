package io.shardlite.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/** The virtual masters (stateless; they own shards through the sequencer). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualMastersSpec {
  @SpecReplicas
  @Min(1)
  @Max(256)
  @JsonPropertyDescription("Virtual master pods. Default 2. `kubectl scale shardcluster/NAME --replicas N` sets it.")
  private Integer replicas;

  private ResourceRequirements resources;

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }
}
