package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StreamHandoverTest {
  private final AtomicReference<String> current = new AtomicReference<>("old");
  private final Set<String> closed = new HashSet<>();
  private final StreamHandover<String> lane = new StreamHandover<>(current::get, closed::contains);

  @Test
  void keepsItsStreamWhileThatIsOpenEvenWhenANewerOneExists() {
    current.set("new");
    assertThat(lane.get()).isEqualTo("old"); // its requests may still be answered: no switch yet
  }

  @Test
  void movesToTheCurrentStreamOnceItsOwnIsClosed() {
    current.set("new");
    closed.add("old");
    assertThat(lane.get()).isEqualTo("new");
    closed.add("new");
    current.set("newer");
    assertThat(lane.get()).isEqualTo("newer");
  }

  @Test
  void aClosedStreamWithNoSuccessorStaysAndFailsItsCallersRetryably() {
    closed.add("old");
    assertThat(lane.get()).isEqualTo("old");
    current.set(null);
    assertThat(lane.get()).isEqualTo("old");
  }
}
