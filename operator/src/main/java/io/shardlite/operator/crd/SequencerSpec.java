package io.shardlite.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/** The sequencer Raft group. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SequencerSpec {
  @ValidationRule(value = "self == 3 || self == 5", message = "sequencer.replicas must be 3 or 5")
  @ValidationRule(value = "self == oldSelf",
      message = "sequencer.replicas is immutable (sequencer membership changes are not supported yet)")
  @JsonPropertyDescription("Sequencer replicas, 3 or 5. Default 3. Immutable.")
  private Integer replicas;

  private ResourceRequirements resources;
  private StorageSpec storage;

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

  public StorageSpec getStorage() {
    return storage;
  }

  public void setStorage(StorageSpec storage) {
    this.storage = storage;
  }
}
