package io.shardlite.client.jdbc;

import io.shardlite.common.client.TransactionIds;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A JDBC connection to a shardlite cluster. It holds no server-side session: every transaction is
 * one request to any virtual master (the Java client rotates endpoints and retries what is safe).
 *
 * <p>Auto-commit on (the default): each statement is its own transaction. Auto-commit off: writes
 * are buffered and sent as one atomic transaction (multi-shard if their keys say so) by
 * {@link #commit()}; {@code executeUpdate} returns 0 meanwhile and the real counts are in
 * {@link #lastCommitResult()} after the commit. Reads and DDL are refused in manual-commit mode
 * (a read could not see the buffered writes; DDL runs on every shard as its own transaction);
 * use {@link #transaction()} for transactions that mix reads and writes. {@link #rollback()}
 * discards the buffer. A failed commit discards it too, as does {@link #close()} without commit;
 * a failed commit changed nothing, except after a timeout (57014), whose outcome is unknown: use
 * {@link #transaction()}, which can be retried under the same idempotency key, where that matters.
 */
final class ShardliteConnectionImpl extends ConnectionBase implements ShardliteConnection {
  private final ShardliteUrl config;
  private final String url;
  private final TxExecutor executor;
  private final List<TxStatement> pending = new ArrayList<>();
  private String shardKey;
  private boolean autoCommit = true;
  private boolean readOnly;
  private boolean closed;
  private TransactionResult lastCommit;
  private final Properties clientInfo = new Properties();

  ShardliteConnectionImpl(String url, ShardliteUrl config, TxExecutor executor) {
    this.url = url;
    this.config = config;
    this.executor = executor;
    this.shardKey = config.shardKey();
  }

  ShardliteUrl config() {
    return config;
  }

  String url() {
    return url;
  }

  void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLNonTransientConnectionException("the connection is closed", "08003");
    }
  }

  /** Sends one transaction with this connection's consistency and deadline; errors become SQLExceptions. */
  ExecuteReply run(ExecuteRequest.Builder request) throws SQLException {
    checkOpen();
    request.setConsistency(config.consistency()).setMaxLagMillis(config.maxLagMillis());
    if (request.getTimeoutMillis() == 0) {
      request.setTimeoutMillis(config.timeoutMillis());
    }
    ExecuteReply reply;
    try {
      reply = executor.execute(request.build());
    } catch (RuntimeException e) {
      throw new SQLTransientConnectionException("shardlite request failed: " + e, "08006", e);
    }
    if (reply.hasError()) {
      throw SqlStates.toException(reply.getError());
    }
    return reply;
  }

  /** Manual-commit mode: queue a write for commit(). */
  synchronized void buffer(TxStatement statement) {
    pending.add(statement);
  }

  /** The shard key for a statement: its hint, else the connection's; null if neither. */
  String resolveShardKey(SqlText.Parsed parsed) {
    return parsed.shardKey() != null ? parsed.shardKey() : shardKey;
  }

  @Override
  public ShardliteTransaction transaction() throws SQLException {
    checkOpen();
    return new ShardliteTransaction(this);
  }

  @Override
  public TransactionResult lastCommitResult() throws SQLException {
    checkOpen();
    return lastCommit;
  }

  @Override
  public synchronized int pendingStatements() throws SQLException {
    checkOpen();
    return pending.size();
  }

  @Override
  public String getShardKey() throws SQLException {
    checkOpen();
    return shardKey;
  }

  @Override
  public void setShardKey(String shardKey) throws SQLException {
    checkOpen();
    this.shardKey = shardKey;
  }

  @Override
  public Statement createStatement() throws SQLException {
    checkOpen();
    return new ShardliteStatement(this);
  }

  @Override
  public PreparedStatement prepareStatement(String sql) throws SQLException {
    checkOpen();
    return new ShardlitePreparedStatement(this, sql);
  }

  @Override
  public Statement createStatement(int type, int concurrency) throws SQLException {
    checkResultSetKind(type, concurrency, ResultSet.HOLD_CURSORS_OVER_COMMIT);
    return createStatement();
  }

  @Override
  public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
    checkResultSetKind(type, concurrency, holdability);
    return createStatement();
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
    checkResultSetKind(type, concurrency, ResultSet.HOLD_CURSORS_OVER_COMMIT);
    return prepareStatement(sql);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
      throws SQLException {
    checkResultSetKind(type, concurrency, holdability);
    return prepareStatement(sql);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    // getGeneratedKeys() always offers the last insert rowid; no need to ask for it.
    if (autoGeneratedKeys != Statement.RETURN_GENERATED_KEYS && autoGeneratedKeys != Statement.NO_GENERATED_KEYS) {
      throw new SQLException("autoGeneratedKeys must be RETURN_GENERATED_KEYS or NO_GENERATED_KEYS", "HY092");
    }
    return prepareStatement(sql);
  }

  private void checkResultSetKind(int type, int concurrency, int holdability) throws SQLException {
    checkOpen();
    if (type != ResultSet.TYPE_FORWARD_ONLY) {
      throw unsupported("result set types other than TYPE_FORWARD_ONLY");
    }
    if (concurrency != ResultSet.CONCUR_READ_ONLY) {
      throw unsupported("updatable result sets (CONCUR_UPDATABLE)");
    }
    if (holdability != ResultSet.HOLD_CURSORS_OVER_COMMIT && holdability != ResultSet.CLOSE_CURSORS_AT_COMMIT) {
      throw new SQLException("unknown holdability " + holdability, "HY092");
    }
  }

  @Override
  public String nativeSQL(String sql) throws SQLException {
    checkOpen();
    return sql;
  }

  @Override
  public synchronized void setAutoCommit(boolean on) throws SQLException {
    checkOpen();
    if (on && !autoCommit && !pending.isEmpty()) {
      commit(); // JDBC: switching auto-commit on commits the transaction in progress
    }
    autoCommit = on;
  }

  @Override
  public boolean getAutoCommit() throws SQLException {
    checkOpen();
    return autoCommit;
  }

  @Override
  public synchronized void commit() throws SQLException {
    checkOpen();
    if (autoCommit) {
      throw new SQLException("commit() in auto-commit mode: every statement is already its own transaction", "25000");
    }
    if (pending.isEmpty()) {
      lastCommit = new TransactionResult(ExecuteReply.getDefaultInstance(), "");
      return;
    }
    List<TxStatement> statements = List.copyOf(pending);
    pending.clear();
    lastCommit = null;
    String key = TransactionIds.next();
    ExecuteReply reply = run(ExecuteRequest.newBuilder().setIdempotencyKey(key).addAllStatements(statements));
    lastCommit = new TransactionResult(reply, key);
  }

  @Override
  public synchronized void rollback() throws SQLException {
    checkOpen();
    if (autoCommit) {
      throw new SQLException("rollback() in auto-commit mode: there is no transaction in progress", "25000");
    }
    pending.clear();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      pending.clear();
      executor.close();
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean isValid(int timeoutSeconds) throws SQLException {
    if (timeoutSeconds < 0) {
      throw new SQLException("timeout must not be negative", "HY000");
    }
    if (closed) {
      return false;
    }
    try {
      ping(timeoutSeconds == 0 ? 0 : timeoutSeconds * 1000L);
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** One read round trip ({@code SELECT 1} on the empty key's shard). */
  void ping(long timeoutMillis) throws SQLException {
    run(ExecuteRequest.newBuilder().setTimeoutMillis(timeoutMillis)
        .addStatements(TxStatement.newBuilder().setShardKey("").setSql("SELECT 1")));
  }

  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    checkOpen();
    return new ShardliteDatabaseMetaData(this);
  }

  @Override
  public void setReadOnly(boolean readOnly) throws SQLException {
    checkOpen();
    this.readOnly = readOnly; // a hint: the server knows reads from writes by the statements themselves
  }

  @Override
  public boolean isReadOnly() throws SQLException {
    checkOpen();
    return readOnly;
  }

  @Override
  public void setCatalog(String catalog) throws SQLException {
    checkOpen(); // no catalogs: ignored, as the JDBC specification allows
  }

  @Override
  public String getCatalog() throws SQLException {
    checkOpen();
    return null;
  }

  @Override
  public void setSchema(String schema) throws SQLException {
    checkOpen(); // no schemas: ignored, as the JDBC specification allows
  }

  @Override
  public String getSchema() throws SQLException {
    checkOpen();
    return null;
  }

  @Override
  public void setTransactionIsolation(int level) throws SQLException {
    checkOpen();
    if (level == Connection.TRANSACTION_NONE) {
      throw new SQLException("shardlite is always transactional (TRANSACTION_NONE is not possible)", "HY024");
    }
    // Every level is served as strictly serializable, which is stronger than any of them.
  }

  @Override
  public int getTransactionIsolation() throws SQLException {
    checkOpen();
    return Connection.TRANSACTION_SERIALIZABLE;
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
  public int getHoldability() throws SQLException {
    checkOpen();
    return ResultSet.HOLD_CURSORS_OVER_COMMIT;
  }

  @Override
  public void setHoldability(int holdability) throws SQLException {
    checkResultSetKind(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, holdability);
  }

  @Override
  public Map<String, Class<?>> getTypeMap() throws SQLException {
    checkOpen();
    return Map.of();
  }

  @Override
  public void setClientInfo(String name, String value) throws SQLClientInfoException {
    if (closed) {
      throw new SQLClientInfoException("the connection is closed", Map.of());
    }
    if (value == null) {
      clientInfo.remove(name);
    } else {
      clientInfo.setProperty(name, value);
    }
  }

  @Override
  public void setClientInfo(Properties properties) throws SQLClientInfoException {
    if (closed) {
      throw new SQLClientInfoException("the connection is closed", Map.of());
    }
    clientInfo.clear();
    clientInfo.putAll(properties);
  }

  @Override
  public String getClientInfo(String name) throws SQLException {
    checkOpen();
    return clientInfo.getProperty(name);
  }

  @Override
  public Properties getClientInfo() throws SQLException {
    checkOpen();
    Properties copy = new Properties();
    copy.putAll(clientInfo);
    return copy;
  }

  @Override
  public void abort(Executor executor) throws SQLException {
    if (executor == null) {
      throw new SQLException("abort needs an executor", "HY009");
    }
    close();
  }

  @Override
  public int getNetworkTimeout() throws SQLException {
    checkOpen();
    return (int) Math.min(Integer.MAX_VALUE, config.timeoutMillis());
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("a shardlite connection is not a wrapper for " + iface.getName()
        + " (it unwraps to " + ShardliteConnection.class.getName() + ")", "HY000");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  @Override
  public String toString() {
    return "ShardliteConnection{" + url + (closed ? ", closed" : "") + "}";
  }
}
