package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class SqlStatesTest {
  private static SQLException map(ErrorCode code, String message, boolean retryable, int statement) {
    return SqlStates.toException(Error.newBuilder().setCode(code).setMessage(message).setRetryable(retryable)
        .setStatementIndex(statement).build());
  }

  @Test
  void constraintViolationsAreClass23WithTheKindOfConstraint() {
    SQLException e = map(ErrorCode.CONSTRAINT_VIOLATION, "UNIQUE constraint failed: kv.k", false, 3);
    assertThat((Throwable) e).isInstanceOf(SQLIntegrityConstraintViolationException.class);
    assertThat(e.getSQLState()).isEqualTo("23505");
    assertThat(e.getErrorCode()).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION.getNumber());
    assertThat(e.getMessage()).isEqualTo("shardlite CONSTRAINT_VIOLATION at statement 3: UNIQUE constraint failed: kv.k");
    assertThat(map(ErrorCode.CONSTRAINT_VIOLATION, "NOT NULL constraint failed: t.v", false, 0).getSQLState())
        .isEqualTo("23502");
    assertThat(map(ErrorCode.CONSTRAINT_VIOLATION, "CHECK constraint failed: balance >= 0", false, 0).getSQLState())
        .isEqualTo("23514");
    assertThat(map(ErrorCode.CONSTRAINT_VIOLATION, "FOREIGN KEY constraint failed", false, 0).getSQLState())
        .isEqualTo("23503");
    assertThat(map(ErrorCode.CONSTRAINT_VIOLATION, "something else", false, 0).getSQLState()).isEqualTo("23000");
  }

  @Test
  void badSqlIsClass42() {
    for (ErrorCode c : new ErrorCode[] {ErrorCode.SQL_ERROR, ErrorCode.NONDETERMINISTIC, ErrorCode.FORBIDDEN_STATEMENT,
        ErrorCode.MALFORMED_REQUEST}) {
      SQLException e = map(c, "near \"SELEC\": syntax error", false, -1);
      assertThat((Throwable) e).isInstanceOf(SQLSyntaxErrorException.class);
      assertThat(e.getSQLState()).isEqualTo("42000");
      assertThat(e.getMessage()).startsWith("shardlite " + c + ": ");
    }
  }

  @Test
  void retryableFailuresAre40001AndSayRetryable() {
    for (ErrorCode c : new ErrorCode[] {ErrorCode.UNAVAILABLE, ErrorCode.STALE_EPOCH, ErrorCode.LAG_TOO_HIGH,
        ErrorCode.UNKNOWN_VM}) {
      SQLException e = map(c, "moved", true, -1);
      assertThat((Throwable) e).isInstanceOf(SQLTransactionRollbackException.class);
      assertThat(e.getSQLState()).isEqualTo("40001");
      assertThat(e.getMessage()).contains(c.name()).contains("(retryable)");
    }
    // UNAVAILABLE is retryable even when the raiser did not say so.
    assertThat(map(ErrorCode.UNAVAILABLE, "no leader", false, -1).getSQLState()).isEqualTo("40001");
  }

  @Test
  void timeoutsAre57014() {
    SQLException e = map(ErrorCode.TIMEOUT, "no outcome within the deadline", true, -1);
    assertThat((Throwable) e).isInstanceOf(SQLTimeoutException.class);
    assertThat(e.getSQLState()).isEqualTo("57014");
  }

  @Test
  void unreachableServersAreConnectionErrors() {
    SQLException e = map(ErrorCode.UNAVAILABLE,
        "shard server call failed: Status{code=UNAVAILABLE, description=io exception, cause=null}", true, -1);
    assertThat((Throwable) e).isInstanceOf(SQLTransientConnectionException.class);
    assertThat(e.getSQLState()).isEqualTo("08006");
    SQLException atConnect = SqlStates.cannotConnect("h:1", e);
    assertThat(atConnect.getSQLState()).isEqualTo("08001");
    assertThat(atConnect.getMessage()).contains("h:1").contains("UNAVAILABLE");
  }

  @Test
  void theRest() {
    assertThat(map(ErrorCode.BATCH_TOO_LARGE, "too big", false, -1).getSQLState()).isEqualTo("54000");
    assertThat(map(ErrorCode.UNKNOWN_SHARD, "no shard 9", false, -1).getSQLState()).isEqualTo("22023");
    assertThat(map(ErrorCode.INTERNAL, "bug", false, -1).getSQLState()).isEqualTo("HY000");
  }
}
