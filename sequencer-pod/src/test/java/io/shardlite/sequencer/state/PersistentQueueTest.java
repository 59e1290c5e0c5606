package io.shardlite.sequencer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PersistentQueueTest {
  @Test
  void agreesWithADequeOverRandomOperations() {
    SplittableRandom random = new SplittableRandom(7);
    ArrayDeque<Integer> expected = new ArrayDeque<>();
    PersistentQueue<Integer> queue = PersistentQueue.empty();
    for (int step = 0; step < 50_000; step++) {
      if (!expected.isEmpty() && random.nextInt(5) < 2) {
        assertThat(queue.first()).isEqualTo(expected.peekFirst());
        expected.pollFirst();
        queue = queue.minusFirst();
      } else {
        expected.addLast(step);
        queue = queue.plus(step);
      }
      assertThat(queue.size()).isEqualTo(expected.size());
      if (step % 5_000 == 0) {
        assertThat(queue.toList()).containsExactlyElementsOf(expected);
      }
    }
    assertThat(queue.toList()).containsExactlyElementsOf(expected);
  }

  @Test
  void earlierVersionsKeepTheirElements() {
    PersistentQueue<String> abc = PersistentQueue.<String>empty().plus("a").plus("b").plus("c");
    PersistentQueue<String> cd = abc.minusFirst().minusFirst().plus("d");
    assertThat(abc.toList()).containsExactly("a", "b", "c");
    assertThat(cd.toList()).containsExactly("c", "d");
    assertThat(abc.minusFirst().toList()).containsExactly("b", "c");
  }

  @Test
  void equalQueuesHaveEqualElementsInOrder() {
    PersistentQueue<Integer> a = PersistentQueue.<Integer>empty().plus(1).plus(2).plus(3);
    PersistentQueue<Integer> b = PersistentQueue.<Integer>empty().plus(0).plus(1).minusFirst().plus(2).plus(3);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(PersistentQueue.<Integer>empty().plus(1).plus(3).plus(2));
    assertThat(new ArrayList<Integer>()).isEqualTo(PersistentQueue.empty().toList());
  }

  @Test
  void anEmptyQueueHasNoFirst() {
    assertThatThrownBy(() -> PersistentQueue.empty().first()).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> PersistentQueue.empty().minusFirst()).isInstanceOf(NoSuchElementException.class);
  }
}
