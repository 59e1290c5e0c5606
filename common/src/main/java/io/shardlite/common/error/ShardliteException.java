package io.shardlite.common.error;

import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;

/**
 * The one exception type that crosses shardlite's boundaries: a typed {@link ErrorCode}, whether
 * repeating the request is safe, and (for SQL errors) the index of the failing statement.
 * Callers branch on {@link #code()} and {@link #retryable()}, never on the message.
 */
public final class ShardliteException extends RuntimeException {
  private final ErrorCode code;
  private final boolean retryable;
  private final int statementIndex;

  public ShardliteException(ErrorCode code, String message) {
    this(code, message, ErrorCodes.retryableByDefault(code), -1, null);
  }

  public ShardliteException(ErrorCode code, String message, int statementIndex) {
    this(code, message, ErrorCodes.retryableByDefault(code), statementIndex, null);
  }

  public ShardliteException(ErrorCode code, String message, boolean retryable, int statementIndex, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
    this.retryable = retryable;
    this.statementIndex = statementIndex;
  }

  public ErrorCode code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  public int statementIndex() {
    return statementIndex;
  }

  /** The message without the code prefix. */
  public String detail() {
    String m = getMessage();
    String prefix = code + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  /** Returns a copy that names the failing statement. */
  public ShardliteException atStatement(int index) {
    return new ShardliteException(code, detail(), retryable, index, getCause());
  }

  public Error toProto() {
    return Error.newBuilder()
        .setCode(code)
        .setMessage(detail())
        .setRetryable(retryable)
        .setStatementIndex(statementIndex)
        .build();
  }

  public static ShardliteException fromProto(Error error) {
    return new ShardliteException(error.getCode(), error.getMessage(), error.getRetryable(), error.getStatementIndex(), null);
  }
}
