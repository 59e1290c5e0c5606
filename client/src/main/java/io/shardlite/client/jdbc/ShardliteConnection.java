package io.shardlite.client.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a shardlite connection offers beyond JDBC; get it with
 * {@code connection.unwrap(ShardliteConnection.class)}.
 *
 * <pre>{@code
 * ShardliteConnection sl = connection.unwrap(ShardliteConnection.class);
 * TransactionResult r = sl.transaction()
 *     .add("alice", "UPDATE accounts SET balance = balance - ? WHERE id = ?", 10, "alice")
 *     .add("bob", "UPDATE accounts SET balance = balance + ? WHERE id = ?", 10, "bob")
 *     .add("alice", "SELECT balance FROM accounts WHERE id = ?", "alice")
 *     .execute();                       // atomic, even though alice and bob live on different shards
 * long left = r.resultSet(2).next() ... // per-statement results, reads included
 * }</pre>
 */
public interface ShardliteConnection extends Connection {
  /**
   * A new transaction: statements with explicit shard keys (any mix of shards, reads and writes),
   * executed atomically and strictly serializably by {@link ShardliteTransaction#execute()}.
   * Independent of this connection's auto-commit mode and of its buffered statements.
   */
  ShardliteTransaction transaction() throws SQLException;

  /**
   * The outcome of the last successful {@link #commit()} in manual-commit mode: the real update
   * counts (executeUpdate returned 0 while the statements were buffered), last insert rowids and
   * the global LSN, in the order the statements were buffered. Null before the first commit and
   * after a failed one.
   */
  TransactionResult lastCommitResult() throws SQLException;

  /** Statements buffered for the next {@link #commit()} (manual-commit mode). */
  int pendingStatements() throws SQLException;

  /** The shard key of statements without a hint (null = none: such statements are refused). */
  String getShardKey() throws SQLException;

  void setShardKey(String shardKey) throws SQLException;
}
