package io.shardlite.vmaster.server;

import java.util.List;
import java.util.Locale;

/**
 * What a transaction does, from the first keyword of each statement (no schema needed). The
 * shard still enforces it: reads run on a read-only connection, so a write dressed as a read
 * (e.g. a {@code WITH ... INSERT}) fails there instead of changing anything.
 */
final class StatementKinds {
  enum Kind { READ, WRITE, DDL }

  private StatementKinds() {}

  static Kind of(String sql) {
    String keyword = firstKeyword(sql);
    switch (keyword) {
      case "SELECT":
      case "WITH":
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

  /** The first word, skipping whitespace, {@code --} line comments and block comments. */
  static String firstKeyword(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (sql.startsWith("--", i)) {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (sql.startsWith("/*", i)) {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        break;
      }
    }
    int start = i;
    while (i < n && Character.isLetter(sql.charAt(i))) {
      i++;
    }
    return sql.substring(start, i).toUpperCase(Locale.ROOT);
  }
}
