package io.shardlite.sequencer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SequencerStateCodecTest {

  @Test
  void theInitialStateRoundTrips() {
    SequencerState initial = SequencerState.initial(SequencerConfig.defaults(16));

    assertThat(SequencerStateCodec.decode(SequencerStateCodec.encode(initial))).isEqualTo(initial);
  }

  @Property(tries = 50)
  void aStateAfterALongRandomHistoryRoundTripsAndBehavesTheSame(
      @ForAll @IntRange(min = 1, max = 24) int shards, @ForAll long seed) {
    Random random = new Random(seed);
    SequencerState state =
        SequencerState.initial(new SequencerConfig(shards, 8, 2_000, 40, 40));
    for (int step = 0; step < 400; step++) {
      state = state.apply(Commands.random(random, state, step)).state();
    }

    byte[] bytes = SequencerStateCodec.encode(state);
    SequencerState decoded = SequencerStateCodec.decode(bytes);

    assertThat(decoded).isEqualTo(state);
    assertThat(SequencerStateCodec.encode(decoded)).isEqualTo(bytes);
    // The restored state answers the next commands exactly as the original.
    for (int step = 400; step < 450; step++) {
      var command = Commands.random(random, state, step);
      Applied a = state.apply(command);
      Applied b = decoded.apply(command);
      assertThat(b).isEqualTo(a);
      state = a.state();
      decoded = b.state();
    }
  }

  @Test
  void bytesThatAreNotASnapshotAreRejected() {
    assertThatThrownBy(() -> SequencerStateCodec.decode(new byte[] {1, 2, 3, 4}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
