package io.shardlite.shard.server;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.NotReplicatedException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.StateMachineException;

/** Maps what Ratis throws to typed, retry-aware errors. */
final class RaftErrors {
  private RaftErrors() {}

  static ShardliteException toShardlite(Throwable t, String what) {
    Throwable e = unwrap(t);
    if (e instanceof ShardliteException se) {
      return se;
    }
    if (e instanceof GroupMismatchException) {
      return new ShardliteException(ErrorCode.UNKNOWN_SHARD, what + ": " + e.getMessage());
    }
    if (e instanceof TimeoutException || e instanceof org.apache.ratis.protocol.exceptions.TimeoutIOException) {
      return new ShardliteException(ErrorCode.TIMEOUT,
          what + ": deadline expired before the outcome was known; retry with the same tx id");
    }
    if (e instanceof NotLeaderException || e instanceof LeaderNotReadyException
        || e instanceof LeaderSteppingDownException || e instanceof RaftRetryFailureException
        || e instanceof ResourceUnavailableException || e instanceof AlreadyClosedException
        || e instanceof NotReplicatedException || e instanceof ReadException || e instanceof ReadIndexException
        || e instanceof java.io.IOException) {
      return new ShardliteException(ErrorCode.UNAVAILABLE, what + ": shard group unavailable: " + e.getMessage());
    }
    if (e instanceof StateMachineException) {
      return new ShardliteException(ErrorCode.INTERNAL, what + ": replica failed: " + e.getMessage(), false, -1, e);
    }
    return new ShardliteException(ErrorCode.INTERNAL, what + ": " + e, false, -1, e);
  }

  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
