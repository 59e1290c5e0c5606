package io.shardlite.client.jdbc;

import io.shardlite.common.client.TransactionIds;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A transaction built statement by statement with explicit shard keys, then executed atomically
 * and strictly serializably on one shard or several. Statements run in order, so a read sees the
 * transaction's own earlier writes. Obtained from {@link ShardliteConnection#transaction()}.
 *
 * <p>Retrying: the transaction carries one idempotency key. If {@link #execute()} throws a
 * retryable error (SQLState 40001, 57014 or 08006; the client already retried within the
 * deadline), calling {@link #execute()} again resends the same transaction with the same key:
 * the cluster applies it at most once, so a transaction whose first outcome was unknown is not
 * applied twice. After a success, {@link #execute()} returns the same result without resending.
 */
public final class ShardliteTransaction {
  private final ShardliteConnectionImpl connection;
  private final List<TxStatement> statements = new ArrayList<>();
  private String idempotencyKey = TransactionIds.next();
  private long timeoutMillis;
  private int attempts;
  private TransactionResult result;

  ShardliteTransaction(ShardliteConnectionImpl connection) {
    this.connection = connection;
  }

  /**
   * Adds a statement placed by {@code shardKey} (DDL with the empty key runs on every shard when
   * the whole transaction is DDL). Parameters are bound positionally and converted as
   * {@link Values#of(Object)} describes. A hint comment in the SQL is not read here.
   */
  public ShardliteTransaction add(String shardKey, String sql, Object... params) throws SQLException {
    checkOpen();
    if (shardKey == null) {
      throw new SQLException("a transaction statement needs a shard key (\"\" is a valid key)", "22004");
    }
    if (sql == null || sql.isBlank()) {
      throw new SQLException("a transaction statement needs SQL", "42000");
    }
    TxStatement.Builder s = TxStatement.newBuilder().setShardKey(shardKey).setSql(sql);
    for (Object p : params) {
      s.addParams(Values.of(p));
    }
    statements.add(s.build());
    return this;
  }

  /** Replaces the generated idempotency key (e.g. with one derived from the request being served). */
  public ShardliteTransaction idempotencyKey(String key) throws SQLException {
    checkOpen();
    if (key == null || key.isEmpty()) {
      throw new SQLException("the idempotency key must not be empty", "22023");
    }
    idempotencyKey = key;
    return this;
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** Deadline of this transaction, retries included (0 = the connection's timeoutMillis). */
  public ShardliteTransaction timeoutMillis(long millis) throws SQLException {
    checkOpen();
    if (millis < 0) {
      throw new SQLException("timeout must not be negative", "22023");
    }
    timeoutMillis = millis;
    return this;
  }

  public int size() {
    return statements.size();
  }

  public TransactionResult execute() throws SQLException {
    if (result != null) {
      return result;
    }
    if (statements.isEmpty()) {
      throw new SQLException("the transaction has no statements", "42000");
    }
    ExecuteRequest.Builder request = ExecuteRequest.newBuilder().setIdempotencyKey(idempotencyKey)
        .addAllStatements(statements).setTimeoutMillis(timeoutMillis);
    if (attempts > 0) {
      // Not a first try: the cluster looks for the outcome of the earlier attempts under the key.
      request.setAttempt(attempts);
    }
    attempts++;
    ExecuteReply reply = connection.run(request);
    result = new TransactionResult(reply, idempotencyKey);
    return result;
  }

  private void checkOpen() throws SQLException {
    if (attempts > 0) {
      throw new SQLException("the transaction was already sent; start a new one with transaction()", "25000");
    }
  }
}
