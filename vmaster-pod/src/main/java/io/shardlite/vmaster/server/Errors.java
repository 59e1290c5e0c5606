package io.shardlite.vmaster.server;

import io.shardlite.common.concurrent.Completions;
import io.shardlite.common.error.ErrorCodes;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;

/** Typed errors of the client API. */
final class Errors {
  private Errors() {}

  static ExecuteReply reply(ErrorCode code, String message, boolean retryable) {
    return ExecuteReply.newBuilder()
        .setError(Error.newBuilder().setCode(code).setMessage(message).setRetryable(retryable).setStatementIndex(-1))
        .build();
  }

  static ExecuteReply reply(Throwable t) {
    Throwable cause = Completions.cause(t);
    if (cause instanceof ShardliteException e) {
      return ExecuteReply.newBuilder().setError(e.toProto()).build();
    }
    return reply(ErrorCode.INTERNAL, String.valueOf(cause), false);
  }

  static ExecuteReply unavailable(String message) {
    return reply(ErrorCode.UNAVAILABLE, message, true);
  }

  static boolean retryable(Error e) {
    return e.getRetryable() || ErrorCodes.retryableByDefault(e.getCode());
  }
}
