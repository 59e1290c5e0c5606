package io.shardlite.client.jdbc;

import io.shardlite.common.sql.SqlTokens;
import io.shardlite.common.sql.StatementRoute;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.TxStatement;
import io.shardlite.proto.Value;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A statement on a shardlite connection. In auto-commit mode each execution is one transaction;
 * a batch ({@link #executeBatch()}) is one atomic transaction of all its statements. In
 * manual-commit mode writes are buffered for {@link Connection#commit()} (executeUpdate returns
 * 0, executeBatch {@link Statement#SUCCESS_NO_INFO}), and reads and DDL are refused.
 *
 * <p>Each statement is placed by its hint ({@code /*+ shard_key=abc *}{@code /}) or else the
 * connection's shard key; DDL (CREATE/ALTER/DROP) needs neither and runs on every shard.
 */
public class ShardliteStatement extends StatementBase {
  enum Mode { ANY, QUERY, UPDATE }

  final ShardliteConnectionImpl connection;
  private final List<TxStatement> batch = new ArrayList<>();
  private final List<StatementRoute> batchKinds = new ArrayList<>();
  private ShardliteResultSet resultSet;
  private long updateCount = -1;
  private long generatedKey;
  private boolean closed;
  private boolean closeOnCompletion;
  private int queryTimeoutSeconds;
  private int maxRows;
  private int fetchSize;

  ShardliteStatement(ShardliteConnectionImpl connection) {
    this.connection = connection;
  }

  void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLException("the statement is closed", "HY010");
    }
    connection.checkOpen();
  }

  private void clearResults() {
    if (resultSet != null) {
      ShardliteResultSet rs = resultSet;
      resultSet = null;
      rs.close();
    }
    updateCount = -1;
    generatedKey = 0;
  }

  /** The statement as sent: hint removed, shard key resolved; refuses statements without a key. */
  TxStatement place(SqlText.Parsed parsed, List<Value> params) throws SQLException {
    String key = connection.resolveShardKey(parsed);
    if (key == null) {
      if (parsed.kind() != StatementRoute.DDL) {
        throw new SQLException("no shard key for this statement: set the connection property shardKey, call "
            + "unwrap(ShardliteConnection.class).setShardKey(...), or start the SQL with /*+ shard_key=... */",
            "HY000");
      }
      key = "";
    }
    return TxStatement.newBuilder().setShardKey(key).setSql(parsed.sql()).addAllParams(params).build();
  }

  /** Runs one statement; true if it produced a result set. */
  boolean run(SqlText.Parsed parsed, List<Value> params, Mode mode) throws SQLException {
    checkOpen();
    clearResults();
    boolean returnsRows = parsed.kind() == StatementRoute.READ || SqlText.mayReturnRows(parsed.sql());
    if (mode == Mode.QUERY && !returnsRows) {
      throw new SQLException("executeQuery needs a statement that returns rows (SELECT, WITH, VALUES, EXPLAIN or "
          + "... RETURNING); use executeUpdate or execute", "HY000");
    }
    if (mode == Mode.UPDATE && parsed.kind() == StatementRoute.READ) {
      throw new SQLException("executeUpdate cannot run a query; use executeQuery or execute", "HY000");
    }
    TxStatement statement = place(parsed, params);
    if (!connection.getAutoCommit()) {
      refuseInManualCommit(parsed.kind(), mode == Mode.QUERY);
      connection.buffer(statement);
      updateCount = 0;
      return false;
    }
    ExecuteRequest.Builder request = ExecuteRequest.newBuilder().addStatements(statement)
        .setTimeoutMillis(queryTimeoutSeconds * 1000L);
    ExecuteReply reply = connection.run(request);
    StatementResult result = reply.getResultsCount() > 0 ? reply.getResults(0) : StatementResult.getDefaultInstance();
    if (result.getColumnsCount() > 0 || mode == Mode.QUERY) {
      resultSet = new ShardliteResultSet(result, this, maxRows);
      return true;
    }
    updateCount = result.getRowsAffected();
    String verb = SqlTokens.verbOf(parsed.sql());
    if (result.getRowsAffected() > 0 && ("INSERT".equals(verb) || "REPLACE".equals(verb))) {
      generatedKey = result.getLastInsertRowid();
    }
    return false;
  }

  static void refuseInManualCommit(StatementRoute kind, boolean wantsRows) throws SQLException {
    if (kind == StatementRoute.READ || wantsRows) {
      throw new SQLFeatureNotSupportedException("reads are not supported with auto-commit off: writes are buffered "
          + "until commit(), so a read could not see them. Read with auto-commit on, or run reads and writes "
          + "together with connection.unwrap(ShardliteConnection.class).transaction()", "0A000");
    }
    if (kind == StatementRoute.DDL) {
      throw new SQLFeatureNotSupportedException("DDL is not supported with auto-commit off: DDL runs on every shard "
          + "as its own transaction. Run it with auto-commit on", "0A000");
    }
  }

  /** closeOnCompletion: the statement closes with its (only) result set. */
  void resultSetClosed(ShardliteResultSet rs) {
    if (rs == resultSet) {
      resultSet = null;
      if (closeOnCompletion) {
        close();
      }
    }
  }

  @Override
  public boolean execute(String sql) throws SQLException {
    return run(SqlText.parse(sql), List.of(), Mode.ANY);
  }

  @Override
  public ResultSet executeQuery(String sql) throws SQLException {
    run(SqlText.parse(sql), List.of(), Mode.QUERY);
    return resultSet;
  }

  @Override
  public int executeUpdate(String sql) throws SQLException {
    return clamp(executeLargeUpdate(sql));
  }

  @Override
  public long executeLargeUpdate(String sql) throws SQLException {
    run(SqlText.parse(sql), List.of(), Mode.UPDATE);
    return Math.max(0, updateCount);
  }

  @Override
  public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
    return execute(sql);
  }

  @Override
  public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
    return executeUpdate(sql);
  }

  static int clamp(long n) {
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  @Override
  public ResultSet getResultSet() throws SQLException {
    checkOpen();
    return resultSet;
  }

  @Override
  public int getUpdateCount() throws SQLException {
    checkOpen();
    return updateCount < 0 ? -1 : clamp(updateCount);
  }

  @Override
  public long getLargeUpdateCount() throws SQLException {
    checkOpen();
    return updateCount;
  }

  @Override
  public boolean getMoreResults() throws SQLException {
    checkOpen();
    clearResults();
    return false;
  }

  @Override
  public boolean getMoreResults(int current) throws SQLException {
    return getMoreResults();
  }

  /** One row with column {@code last_insert_rowid} after an auto-commit INSERT that added rows; else empty. */
  @Override
  public ResultSet getGeneratedKeys() throws SQLException {
    checkOpen();
    StatementResult.Builder keys = StatementResult.newBuilder().addColumns("last_insert_rowid");
    if (generatedKey != 0) {
      keys.addRows(Row.newBuilder().addValues(Value.newBuilder().setInteger(generatedKey)));
    }
    return new ShardliteResultSet(keys.build(), this, 0);
  }

  // Batches: one atomic transaction (auto-commit) or buffered (manual commit).

  void addToBatch(SqlText.Parsed parsed, List<Value> params) throws SQLException {
    checkOpen();
    if (parsed.kind() == StatementRoute.READ) {
      throw new SQLException("a batch cannot hold queries", "HY000");
    }
    batch.add(place(parsed, params));
    batchKinds.add(parsed.kind());
  }

  @Override
  public void addBatch(String sql) throws SQLException {
    addToBatch(SqlText.parse(sql), List.of());
  }

  @Override
  public void clearBatch() throws SQLException {
    checkOpen();
    batch.clear();
    batchKinds.clear();
  }

  @Override
  public int[] executeBatch() throws SQLException {
    long[] counts = executeLargeBatch();
    int[] out = new int[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = counts[i] < 0 ? (int) counts[i] : clamp(counts[i]);
    }
    return out;
  }

  @Override
  public long[] executeLargeBatch() throws SQLException {
    checkOpen();
    clearResults();
    List<TxStatement> statements = List.copyOf(batch);
    List<StatementRoute> kinds = List.copyOf(batchKinds);
    batch.clear();
    batchKinds.clear();
    if (statements.isEmpty()) {
      return new long[0];
    }
    long ddl = kinds.stream().filter(k -> k == StatementRoute.DDL).count();
    try {
      if (!connection.getAutoCommit()) {
        for (StatementRoute k : kinds) {
          refuseInManualCommit(k, false);
        }
        statements.forEach(connection::buffer);
        long[] counts = new long[statements.size()];
        Arrays.fill(counts, Statement.SUCCESS_NO_INFO);
        return counts;
      }
      if (ddl > 0 && ddl < kinds.size()) {
        throw new SQLFeatureNotSupportedException("a batch cannot mix DDL with other statements: DDL runs on every "
            + "shard, the rest where its shard key says", "0A000");
      }
      ExecuteReply reply = connection.run(ExecuteRequest.newBuilder().addAllStatements(statements)
          .setTimeoutMillis(queryTimeoutSeconds * 1000L));
      long[] counts = new long[statements.size()];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = i < reply.getResultsCount() ? reply.getResults(i).getRowsAffected() : Statement.SUCCESS_NO_INFO;
      }
      return counts;
    } catch (BatchUpdateException e) {
      throw e;
    } catch (SQLException e) {
      // The batch is one transaction: when it fails, no statement of it changed anything.
      throw new BatchUpdateException(e.getMessage(), e.getSQLState(), e.getErrorCode(), new int[0], e);
    }
  }

  // Properties.

  @Override
  public void close() {
    if (!closed) {
      clearResults();
      closed = true;
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public Connection getConnection() throws SQLException {
    checkOpen();
    return connection;
  }

  @Override
  public int getQueryTimeout() throws SQLException {
    checkOpen();
    return queryTimeoutSeconds;
  }

  /** The deadline of each transaction this statement runs (0 = the connection's timeoutMillis). */
  @Override
  public void setQueryTimeout(int seconds) throws SQLException {
    checkOpen();
    if (seconds < 0) {
      throw new SQLException("query timeout must not be negative", "HY000");
    }
    queryTimeoutSeconds = seconds;
  }

  @Override
  public int getMaxRows() throws SQLException {
    checkOpen();
    return maxRows;
  }

  /** Rows beyond the limit are dropped by the driver (the cluster still sends them). */
  @Override
  public void setMaxRows(int max) throws SQLException {
    checkOpen();
    if (max < 0) {
      throw new SQLException("max rows must not be negative", "HY000");
    }
    maxRows = max;
  }

  @Override
  public int getFetchSize() throws SQLException {
    checkOpen();
    return fetchSize;
  }

  /** A hint only: results arrive whole. */
  @Override
  public void setFetchSize(int rows) throws SQLException {
    checkOpen();
    if (rows < 0) {
      throw new SQLException("fetch size must not be negative", "HY000");
    }
    fetchSize = rows;
  }

  @Override
  public int getFetchDirection() throws SQLException {
    checkOpen();
    return ResultSet.FETCH_FORWARD;
  }

  @Override
  public void setFetchDirection(int direction) throws SQLException {
    checkOpen();
    if (direction != ResultSet.FETCH_FORWARD) {
      throw unsupported("fetch directions other than FETCH_FORWARD");
    }
  }

  @Override
  public int getResultSetType() throws SQLException {
    checkOpen();
    return ResultSet.TYPE_FORWARD_ONLY;
  }

  @Override
  public int getResultSetConcurrency() throws SQLException {
    checkOpen();
    return ResultSet.CONCUR_READ_ONLY;
  }

  @Override
  public int getResultSetHoldability() throws SQLException {
    checkOpen();
    return ResultSet.HOLD_CURSORS_OVER_COMMIT;
  }

  @Override
  public int getMaxFieldSize() throws SQLException {
    checkOpen();
    return 0;
  }

  @Override
  public void setMaxFieldSize(int max) throws SQLException {
    checkOpen();
    if (max != 0) {
      throw unsupported("a maximum field size");
    }
  }

  @Override
  public void setEscapeProcessing(boolean enable) throws SQLException {
    checkOpen(); // SQL is sent as written; there are no JDBC escapes to process
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    checkOpen();
    return null;
  }

  @Override
  public void clearWarnings() throws SQLException {
    checkOpen();
  }

  @Override
  public void setPoolable(boolean poolable) throws SQLException {
    checkOpen();
  }

  @Override
  public boolean isPoolable() throws SQLException {
    checkOpen();
    return false;
  }

  @Override
  public void closeOnCompletion() throws SQLException {
    checkOpen();
    closeOnCompletion = true;
  }

  @Override
  public boolean isCloseOnCompletion() throws SQLException {
    checkOpen();
    return closeOnCompletion;
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface.getName(), "HY000");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
