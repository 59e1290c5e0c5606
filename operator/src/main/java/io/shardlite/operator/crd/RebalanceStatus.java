package io.shardlite.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where the movement of shard replicas between shard pods stands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RebalanceStatus {
  @JsonPropertyDescription("Unknown (placement not observable), Moving, Blocked (must move, cannot now: see message) or Balanced.")
  private String state;

  @JsonPropertyDescription("The shard pod count the replicas are moving toward (the spec).")
  private Integer targetShardPods;

  @JsonPropertyDescription("Replica moves completed toward the target.")
  private Integer movesDone;

  @JsonPropertyDescription("Replica moves still needed (at least).")
  private Integer movesRemaining;

  private String message;

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public Integer getTargetShardPods() {
    return targetShardPods;
  }

  public void setTargetShardPods(Integer targetShardPods) {
    this.targetShardPods = targetShardPods;
  }

  public Integer getMovesDone() {
    return movesDone;
  }

  public void setMovesDone(Integer movesDone) {
    this.movesDone = movesDone;
  }

  public Integer getMovesRemaining() {
    return movesRemaining;
  }

  public void setMovesRemaining(Integer movesRemaining) {
    this.movesRemaining = movesRemaining;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
