package io.shardlite.sequencer.server;

import io.shardlite.proto.Error;
import io.shardlite.proto.SequencerReply;

/** Reading the typed error out of any {@link SequencerReply}. */
final class Replies {
  private Replies() {}

  /** The reply's error, or null when the command succeeded. */
  static Error errorOf(SequencerReply reply) {
    switch (reply.getBodyCase()) {
      case ASSIGNED:
        return reply.getAssigned().hasError() ? reply.getAssigned().getError() : null;
      case VM:
        return reply.getVm().hasError() ? reply.getVm().getError() : null;
      case DECIDED:
        return reply.getDecided().hasError() ? reply.getDecided().getError() : null;
      case EXPIRED:
        return reply.getExpired().hasError() ? reply.getExpired().getError() : null;
      case ERROR:
        return reply.getError();
      default:
        return null;
    }
  }
}
