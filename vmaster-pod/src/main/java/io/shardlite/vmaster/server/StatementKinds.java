package io.shardlite.vmaster.server;

import io.shardlite.common.sql.SqlTokens;
import java.util.List;

/**
 * What a transaction does, from the verb of each statement (no schema needed): its first keyword,
 * or after a WITH clause the verb that follows it ({@code WITH ... INSERT} writes). The shard still
 * enforces it: reads run on a read-only connection, so a write taken for a read fails there
 * instead of changing anything.
 */
final class StatementKinds {
  enum Kind { READ, WRITE, DDL }

  private StatementKinds() {}

  /** The kind of one statement; SQL that does not tokenize counts as a write (the shard refuses it). */
  static Kind of(String sql) {
    String verb = SqlTokens.verbOf(sql);
    if (verb == null) {
      return Kind.WRITE;
    }
    switch (verb) {
      case "SELECT":
      case "VALUES":
      case "EXPLAIN":
        return Kind.READ;
      case "CREATE":
      case "DROP":
      case "ALTER":
        return Kind.DDL;
      default:
        return Kind.WRITE;
    }
  }

  /** READ if every statement reads, DDL if every statement is DDL, WRITE otherwise. */
  static Kind ofAll(List<String> sqls) {
    boolean allRead = true;
    boolean allDdl = true;
    for (String sql : sqls) {
      Kind k = of(sql);
      allRead &= k == Kind.READ;
      allDdl &= k == Kind.DDL;
    }
    return allRead ? Kind.READ : allDdl ? Kind.DDL : Kind.WRITE;
  }
}
