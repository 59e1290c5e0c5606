package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SpeculationTest {
  @Test
  void acceptsTheDefaultsAndTheBounds() {
    assertThat(new Speculation(8, Speculation.DEFAULT_STACK_LIMIT).stackLimit()).isEqualTo(Duration.ofMillis(500));
    assertThat(new Speculation(0, Duration.ofMillis(1)).parts()).isZero();
    assertThat(new Speculation(256, Duration.ofSeconds(10)).parts()).isEqualTo(256);
  }

  @Test
  void refusesValuesOutOfRangeWithAClearMessage() {
    assertThatThrownBy(() -> new Speculation(-1, Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("speculative parts must be in [0, 256]");
    assertThatThrownBy(() -> new Speculation(257, Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 257");
    assertThatThrownBy(() -> new Speculation(8, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stack limit");
    assertThatThrownBy(() -> new Speculation(8, Duration.ofSeconds(11)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stack limit");
  }
}
