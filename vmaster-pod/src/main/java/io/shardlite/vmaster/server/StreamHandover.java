package io.shardlite.vmaster.server;

import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The LSN stream a lane asks: the one it has until that one is closed, then the virtual master's
 * current one. A virtual master that registers again (its lease ran out) opens a new stream and
 * closes the old; a lane made in between (an ownership update racing the registration) would
 * otherwise keep the closed stream and fail every write with "LSN stream closed".
 *
 * <p>Switching only once the old stream is closed keeps a lane's LSNs rising in lane order: a
 * closed stream has failed every request it still had, so no late reply from it can carry an LSN
 * below one the new stream already gave.
 */
final class StreamHandover<S> {
  private final Supplier<S> current;
  private final Predicate<S> closed;
  private S held;

  StreamHandover(Supplier<S> current, Predicate<S> closed) {
    this.current = current;
    this.closed = closed;
    this.held = current.get();
  }

  /** The stream to ask now (one thread only: the lane's worker). */
  S get() {
    if (held == null || closed.test(held)) {
      S now = current.get();
      if (now != null) {
        held = now;
      }
    }
    return held;
  }
}
