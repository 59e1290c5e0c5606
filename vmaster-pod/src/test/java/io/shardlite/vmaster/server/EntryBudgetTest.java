package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EntryBudgetTest {
  private final EntryBudget budget = new EntryBudget(4, 1000);

  @Test
  void anEmptyEntryTakesAnything() {
    assertThat(budget.fits(0, 0, 9, 5000)).isTrue();
  }

  @Test
  void anEntryStopsBeforeEitherLimit() {
    assertThat(budget.fits(2, 400, 2, 600)).isTrue();
    assertThat(budget.fits(2, 400, 3, 100)).isFalse();
    assertThat(budget.fits(1, 400, 1, 601)).isFalse();
  }

  @Test
  void rejectsAnEmptyBudget() {
    assertThatThrownBy(() -> new EntryBudget(0, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new EntryBudget(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
