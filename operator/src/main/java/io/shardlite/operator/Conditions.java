package io.shardlite.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Ready, Progressing and Degraded, computed in one place. lastTransitionTime changes only when a
 * condition's status changes, so a steady cluster's status does not churn.
 */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";

  private Conditions() {}

  /** One condition's wanted state. */
  public record Wanted(String type, boolean status, String reason, String message) {}

  public static List<Condition> merge(List<Condition> previous, long generation, List<Wanted> wanted, Instant now) {
    List<Condition> out = new ArrayList<>();
    for (Wanted w : wanted) {
      Condition old = previous == null ? null
          : previous.stream().filter(c -> w.type().equals(c.getType())).findFirst().orElse(null);
      String status = w.status() ? "True" : "False";
      String since = old != null && Objects.equals(old.getStatus(), status) && old.getLastTransitionTime() != null
          ? old.getLastTransitionTime() : now.toString();
      out.add(new ConditionBuilder().withType(w.type()).withStatus(status).withReason(w.reason())
          .withMessage(w.message()).withObservedGeneration(generation).withLastTransitionTime(since).build());
    }
    return out;
  }
}
