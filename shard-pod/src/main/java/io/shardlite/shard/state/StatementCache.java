package io.shardlite.shard.state;

import io.shardlite.shard.sql.SqlPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small LRU of prepared statements for one connection: workloads repeat a few SQL texts. Each
 * keeps what {@link SqlPolicy#check} said of its text, so the policy tokenizes a text once.
 */
final class StatementCache implements AutoCloseable {
  /** A prepared statement and the kind of statement its text is. */
  record Prepared(PreparedStatement statement, SqlPolicy.StatementKind kind) {}

  private final Connection connection;
  private final LinkedHashMap<String, Prepared> statements;

  StatementCache(Connection connection, int capacity) {
    this.connection = connection;
    this.statements = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Prepared> eldest) {
        if (size() > capacity) {
          closeQuietly(eldest.getValue().statement());
          return true;
        }
        return false;
      }
    };
  }

  /** The statement for {@code sql}, checked by the policy first (which throws for a refused text). */
  Prepared get(String sql) throws SQLException {
    Prepared p = statements.get(sql);
    if (p == null) {
      SqlPolicy.StatementKind kind = SqlPolicy.check(sql);
      p = new Prepared(connection.prepareStatement(sql), kind);
      statements.put(sql, p);
    } else {
      p.statement().clearParameters();
    }
    return p;
  }

  @Override
  public void close() {
    for (Iterator<Prepared> it = statements.values().iterator(); it.hasNext(); ) {
      closeQuietly(it.next().statement());
      it.remove();
    }
  }

  private static void closeQuietly(PreparedStatement ps) {
    try {
      ps.close();
    } catch (SQLException ignored) {
      // closing a statement of a connection being discarded
    }
  }
}
