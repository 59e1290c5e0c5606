package io.shardlite.common.sql;

/**
 * Where a statement goes, from its verb ({@link SqlTokens#verbOf}): the read path, the write path,
 * or every shard (DDL). Shared by the virtual masters' router and the JDBC driver, so both route
 * {@code WITH ... INSERT} as a write. The shard still enforces it: reads run on a read-only
 * connection, so a write taken for a read fails there instead of changing anything.
 */
public enum StatementRoute {
  READ, WRITE, DDL;

  /** READ for SELECT/VALUES/EXPLAIN, DDL for CREATE/DROP/ALTER, WRITE otherwise (also for SQL that does not tokenize). */
  public static StatementRoute of(String sql) {
    String verb = SqlTokens.verbOf(sql);
    return switch (verb == null ? "" : verb) {
      case "SELECT", "VALUES", "EXPLAIN" -> READ;
      case "CREATE", "DROP", "ALTER" -> DDL;
      default -> WRITE;
    };
  }
}
