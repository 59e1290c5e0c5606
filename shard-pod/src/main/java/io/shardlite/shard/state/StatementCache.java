package io.shardlite.shard.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small LRU of prepared statements for one connection: workloads repeat a few SQL texts. */
final class StatementCache implements AutoCloseable {
  private final Connection connection;
  private final LinkedHashMap<String, PreparedStatement> statements;

  StatementCache(Connection connection, int capacity) {
    this.connection = connection;
    this.statements = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
        if (size() > capacity) {
          closeQuietly(eldest.getValue());
          return true;
        }
        return false;
      }
    };
  }

  PreparedStatement get(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    } else {
      ps.clearParameters();
    }
    return ps;
  }

  @Override
  public void close() {
    for (Iterator<PreparedStatement> it = statements.values().iterator(); it.hasNext(); ) {
      closeQuietly(it.next());
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
