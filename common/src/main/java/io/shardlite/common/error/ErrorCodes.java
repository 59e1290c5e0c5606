package io.shardlite.common.error;

import io.shardlite.proto.ErrorCode;

/** Which error codes are safe to retry unless the raiser says otherwise. */
public final class ErrorCodes {
  private ErrorCodes() {}

  public static boolean retryableByDefault(ErrorCode code) {
    switch (code) {
      case UNAVAILABLE:
      case TIMEOUT:
      case LAG_TOO_HIGH:
        return true;
      default:
        return false;
    }
  }
}
