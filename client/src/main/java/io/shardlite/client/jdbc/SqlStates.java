package io.shardlite.client.jdbc;

import io.shardlite.common.error.ErrorCodes;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;

/**
 * Turns a shardlite {@link Error} into a {@link SQLException} with a standard SQLState class.
 * The message always names the shardlite error code (and the failing statement when known), and
 * the vendor code is the {@link ErrorCode} number. In every case the transaction changed nothing.
 *
 * <table>
 * <caption>mapping</caption>
 * <tr><td>CONSTRAINT_VIOLATION</td><td>23505 unique, 23502 not null, 23514 check, 23503 foreign key, else 23000</td></tr>
 * <tr><td>SQL_ERROR, NONDETERMINISTIC, FORBIDDEN_STATEMENT, MALFORMED_REQUEST</td><td>42000</td></tr>
 * <tr><td>TIMEOUT</td><td>57014 (outcome unknown only if the message says so; retry is safe with the same key)</td></tr>
 * <tr><td>transport failure (no virtual master reachable)</td><td>08006</td></tr>
 * <tr><td>other retryable (UNAVAILABLE, STALE_EPOCH, LAG_TOO_HIGH, ...)</td><td>40001</td></tr>
 * <tr><td>BATCH_TOO_LARGE</td><td>54000</td></tr>
 * <tr><td>UNKNOWN_SHARD</td><td>22023</td></tr>
 * <tr><td>anything else</td><td>HY000</td></tr>
 * </table>
 */
public final class SqlStates {
  private SqlStates() {}

  public static SQLException toException(Error e) {
    ErrorCode code = e.getCode();
    boolean retryable = e.getRetryable() || ErrorCodes.retryableByDefault(code);
    String message = "shardlite " + code + (e.getStatementIndex() >= 0 ? " at statement " + e.getStatementIndex() : "")
        + (retryable ? " (retryable)" : "") + ": " + e.getMessage();
    int vendor = code.getNumber();
    String lower = e.getMessage().toLowerCase(Locale.ROOT);
    switch (code) {
      case CONSTRAINT_VIOLATION: {
        String state = lower.contains("unique") || lower.contains("primary key") ? "23505"
            : lower.contains("not null") ? "23502"
            : lower.contains("check") ? "23514"
            : lower.contains("foreign key") ? "23503" : "23000";
        return new SQLIntegrityConstraintViolationException(message, state, vendor);
      }
      case SQL_ERROR:
      case NONDETERMINISTIC:
      case FORBIDDEN_STATEMENT:
      case MALFORMED_REQUEST:
        return new SQLSyntaxErrorException(message, "42000", vendor);
      case TIMEOUT:
        return new SQLTimeoutException(message, "57014", vendor);
      case BATCH_TOO_LARGE:
        return new SQLException(message, "54000", vendor);
      case UNKNOWN_SHARD:
        return new SQLException(message, "22023", vendor);
      default:
        break;
    }
    if (code == ErrorCode.UNAVAILABLE && isTransportFailure(e.getMessage())) {
      return new SQLTransientConnectionException(message, "08006", vendor);
    }
    if (retryable) {
      return new SQLTransactionRollbackException(message, "40001", vendor);
    }
    return new SQLException(message, "HY000", vendor);
  }

  /** The Java client reports a failed gRPC call as UNAVAILABLE with the gRPC status in the message. */
  static boolean isTransportFailure(String message) {
    return message.contains("Status{code=UNAVAILABLE");
  }

  /** A connection that cannot be opened (URL fine, cluster not answering). */
  static SQLException cannotConnect(String endpoints, SQLException cause) {
    return new SQLNonTransientConnectionException("cannot reach a shardlite virtual master at " + endpoints + ": "
        + cause.getMessage(), "08001", cause.getErrorCode(), cause);
  }
}
