package io.shardlite.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the operator observed; GitOps tools read Ready and observedGeneration. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ShardClusterStatus {
  @JsonPropertyDescription("The spec generation this status describes.")
  private Long observedGeneration;

  @PrinterColumn(name = "Phase")
  @JsonPropertyDescription("Pending, Progressing, Ready or Degraded (the conditions say why).")
  private String phase;

  @JsonPropertyDescription("Ready, Progressing and Degraded, with reason, message and lastTransitionTime.")
  private List<Condition> conditions = new ArrayList<>();

  @PrinterColumn(name = "Shard pods")
  @JsonPropertyDescription("Ready shard pods / desired, e.g. 3/3.")
  private String shardPods;

  @PrinterColumn(name = "Sequencer")
  @JsonPropertyDescription("Ready sequencer replicas / desired.")
  private String sequencer;

  @PrinterColumn(name = "Virtual masters")
  @JsonPropertyDescription("Ready virtual masters / desired.")
  private String virtualMasters;

  private Integer readyShardPods;
  private Integer readySequencers;
  private Integer readyVirtualMasters;

  @StatusReplicas
  @JsonPropertyDescription("Virtual master pods that exist (the scale subresource's status).")
  private Integer virtualMasterReplicas;

  @LabelSelector
  @JsonPropertyDescription("Label selector of the virtual master pods (for the scale subresource and autoscalers).")
  private String virtualMasterSelector;

  @JsonPropertyDescription("Shards owned by each virtual master (from the sequencer), when observed.")
  private Map<String, Integer> shardsPerVirtualMaster = new LinkedHashMap<>();

  @JsonPropertyDescription("Shard replicas hosted by each shard pod, when observed.")
  private Map<String, Integer> replicasPerShardPod = new LinkedHashMap<>();

  @JsonPropertyDescription("Progress of moving shard replicas between shard pods (scale-out, scale-in).")
  private RebalanceStatus rebalance;

  @JsonPropertyDescription("The settings in effect after defaults (the operator never writes spec).")
  private Map<String, String> effective = new LinkedHashMap<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getShardPods() {
    return shardPods;
  }

  public void setShardPods(String shardPods) {
    this.shardPods = shardPods;
  }

  public String getSequencer() {
    return sequencer;
  }

  public void setSequencer(String sequencer) {
    this.sequencer = sequencer;
  }

  public String getVirtualMasters() {
    return virtualMasters;
  }

  public void setVirtualMasters(String virtualMasters) {
    this.virtualMasters = virtualMasters;
  }

  public Integer getReadyShardPods() {
    return readyShardPods;
  }

  public void setReadyShardPods(Integer readyShardPods) {
    this.readyShardPods = readyShardPods;
  }

  public Integer getReadySequencers() {
    return readySequencers;
  }

  public void setReadySequencers(Integer readySequencers) {
    this.readySequencers = readySequencers;
  }

  public Integer getReadyVirtualMasters() {
    return readyVirtualMasters;
  }

  public void setReadyVirtualMasters(Integer readyVirtualMasters) {
    this.readyVirtualMasters = readyVirtualMasters;
  }

  public Integer getVirtualMasterReplicas() {
    return virtualMasterReplicas;
  }

  public void setVirtualMasterReplicas(Integer virtualMasterReplicas) {
    this.virtualMasterReplicas = virtualMasterReplicas;
  }

  public String getVirtualMasterSelector() {
    return virtualMasterSelector;
  }

  public void setVirtualMasterSelector(String virtualMasterSelector) {
    this.virtualMasterSelector = virtualMasterSelector;
  }

  public Map<String, Integer> getShardsPerVirtualMaster() {
    return shardsPerVirtualMaster;
  }

  public void setShardsPerVirtualMaster(Map<String, Integer> shardsPerVirtualMaster) {
    this.shardsPerVirtualMaster = shardsPerVirtualMaster;
  }

  public Map<String, Integer> getReplicasPerShardPod() {
    return replicasPerShardPod;
  }

  public void setReplicasPerShardPod(Map<String, Integer> replicasPerShardPod) {
    this.replicasPerShardPod = replicasPerShardPod;
  }

  public RebalanceStatus getRebalance() {
    return rebalance;
  }

  public void setRebalance(RebalanceStatus rebalance) {
    this.rebalance = rebalance;
  }

  public Map<String, String> getEffective() {
    return effective;
  }

  public void setEffective(Map<String, String> effective) {
    this.effective = effective;
  }
}
