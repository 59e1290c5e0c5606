package io.shardlite.client.jdbc;

import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.StatementResult;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** The per-statement results of a committed transaction, in statement order. */
public final class TransactionResult {
  private final ExecuteReply reply;
  private final String idempotencyKey;

  TransactionResult(ExecuteReply reply, String idempotencyKey) {
    this.reply = reply;
    this.idempotencyKey = idempotencyKey;
  }

  /** The transaction's position in the global order (0 for read-only transactions). */
  public long globalLsn() {
    return reply.getGlobalLsn();
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  public int size() {
    return reply.getResultsCount();
  }

  /** Rows inserted, updated or deleted by statement {@code index} (0-based); 0 for reads and DDL. */
  public long updateCount(int index) throws SQLException {
    return result(index).getRowsAffected();
  }

  /** SQLite's last_insert_rowid() after statement {@code index} on its shard. */
  public long lastInsertRowid(int index) throws SQLException {
    return result(index).getLastInsertRowid();
  }

  /** The rows of statement {@code index} (empty, with no columns, for statements that return none). */
  public ResultSet resultSet(int index) throws SQLException {
    return new ShardliteResultSet(result(index), null, 0);
  }

  /**
   * True when the transaction had committed in an earlier attempt with the same idempotency key
   * (a retry after an unknown outcome): it is applied once, but its statement results were not kept.
   */
  public boolean replayed() {
    return reply.getReplayed();
  }

  public StatementResult result(int index) throws SQLException {
    if (reply.getReplayed()) {
      throw new SQLException("the transaction committed in an earlier attempt (global LSN " + reply.getGlobalLsn()
          + "); its statement results were not kept", "02000");
    }
    if (index < 0 || index >= reply.getResultsCount()) {
      throw new SQLException("statement index " + index + " is out of range 0.." + (reply.getResultsCount() - 1), "07009");
    }
    return reply.getResults(index);
  }

  public List<StatementResult> results() {
    return reply.getResultsList();
  }

  @Override
  public String toString() {
    return "TransactionResult{lsn=" + globalLsn() + ", statements=" + size() + "}";
  }
}
