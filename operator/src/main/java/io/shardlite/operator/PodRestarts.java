package io.shardlite.operator;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Rolls an {@code OnDelete} StatefulSet one pod at a time: a pod whose revision is not the
 * StatefulSet's update revision is deleted (the StatefulSet controller recreates it from the new
 * template) only while every pod of the set exists, is ready and none is terminating, so a Raft
 * group loses at most one member at a time and only once the previous restart has caught up.
 * Highest ordinal first, like the StatefulSet controller. Pure.
 */
public final class PodRestarts {
  private PodRestarts() {}

  /** A pod of the set as observed: its ordinal, {@code controller-revision-hash}, readiness. */
  public record PodState(String name, int ordinal, String revision, boolean ready, boolean terminating) {}

  /** What to do now: delete {@code pod}, or nothing ({@code pod} empty) with {@code outdated} pods left and why. */
  public record Step(Optional<String> pod, int outdated, String message) {
    public boolean done() {
      return outdated == 0;
    }
  }

  /**
   * @param replicas the StatefulSet's replicas
   * @param updateRevision the StatefulSet's {@code status.updateRevision}, null before the controller set it
   * @param templateObserved whether the StatefulSet controller has seen the current template
   *     ({@code status.observedGeneration >= metadata.generation})
   */
  public static Step next(int replicas, String updateRevision, boolean templateObserved, List<PodState> pods) {
    if (updateRevision == null || !templateObserved) {
      return new Step(Optional.empty(), 0, "the StatefulSet controller has not computed the new revision yet");
    }
    List<PodState> outdated = pods.stream().filter(p -> p.ordinal() < replicas)
        .filter(p -> !updateRevision.equals(p.revision())).sorted(Comparator.comparingInt(PodState::ordinal).reversed())
        .toList();
    if (outdated.isEmpty()) {
      return new Step(Optional.empty(), 0, "every pod runs revision " + updateRevision);
    }
    long present = pods.stream().filter(p -> p.ordinal() < replicas).count();
    Optional<PodState> unready = pods.stream().filter(p -> p.ordinal() < replicas)
        .filter(p -> !p.ready() || p.terminating()).findFirst();
    if (present < replicas || unready.isPresent()) {
      return new Step(Optional.empty(), outdated.size(), outdated.size() + " pod(s) to restart; waiting until every pod"
          + " is ready (" + unready.map(p -> p.name() + " is not").orElse(present + "/" + replicas + " exist") + ")");
    }
    PodState next = outdated.get(0);
    return new Step(Optional.of(next.name()), outdated.size(), "restarting " + next.name() + " ("
        + outdated.size() + " pod(s) to restart, one at a time)");
  }
}
