package io.shardlite.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.operator.PodRestarts.PodState;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodRestartsTest {
  private static PodState pod(int i, String rev, boolean ready) {
    return new PodState("s-" + i, i, rev, ready, false);
  }

  @Test
  void nothingToDoWhenEveryPodRunsTheUpdateRevision() {
    PodRestarts.Step s = PodRestarts.next(3, "b", true, List.of(pod(0, "b", true), pod(1, "b", true), pod(2, "b", true)));
    assertThat(s.pod()).isEmpty();
    assertThat(s.done()).isTrue();
  }

  @Test
  void theHighestOutdatedOrdinalRestartsFirstWhenAllAreReady() {
    PodRestarts.Step s = PodRestarts.next(3, "b", true, List.of(pod(0, "a", true), pod(1, "a", true), pod(2, "b", true)));
    assertThat(s.pod()).contains("s-1");
    assertThat(s.outdated()).isEqualTo(2);
  }

  @Test
  void oneAtATimeOnlyWhileEveryPodIsReadyAndPresent() {
    assertThat(PodRestarts.next(3, "b", true, List.of(pod(0, "a", true), pod(1, "a", true), pod(2, "b", false))).pod())
        .as("the last restarted pod is not ready yet").isEmpty();
    assertThat(PodRestarts.next(3, "b", true, List.of(pod(0, "a", true), pod(1, "a", true))).pod())
        .as("a pod is missing (being recreated)").isEmpty();
    assertThat(PodRestarts.next(3, "b", true, List.of(pod(0, "a", true), pod(1, "a", true),
        new PodState("s-2", 2, "b", true, true))).pod()).as("a pod is terminating").isEmpty();
    PodRestarts.Step waiting = PodRestarts.next(3, "b", true, List.of(pod(0, "a", true), pod(1, "a", false),
        pod(2, "a", true)));
    assertThat(waiting.pod()).isEmpty();
    assertThat(waiting.outdated()).isEqualTo(3);
    assertThat(waiting.message()).contains("s-1 is not");
  }

  @Test
  void nothingBeforeTheControllerComputedTheNewRevision() {
    List<PodState> pods = List.of(pod(0, "a", true));
    assertThat(PodRestarts.next(1, null, true, pods).pod()).isEmpty();
    assertThat(PodRestarts.next(1, "b", false, pods).pod()).isEmpty();
    assertThat(PodRestarts.next(1, "b", true, pods).pod()).contains("s-0");
  }

  @Test
  void podsAboveTheReplicasAreNotRestarted() {
    assertThat(PodRestarts.next(2, "b", true, List.of(pod(0, "b", true), pod(1, "b", true), pod(2, "a", true)))
        .done()).isTrue();
  }
}
