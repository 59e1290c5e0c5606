package io.shardlite.client.jdbc;

import io.shardlite.common.sql.StatementRoute;
import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import java.util.Locale;

/**
 * What the driver reads from SQL text before sending it: the optional shard-key hint and the route
 * of the statement ({@link StatementRoute}, the rule the virtual masters use).
 *
 * <p>The hint is a block comment at the very start of the statement (after whitespace):
 * {@code /*+ shard_key=abc *}{@code / SELECT ...}. The key is either a bare word (up to whitespace
 * or the end of the comment) or single-quoted ({@code shard_key='a key'}, {@code ''} for a quote).
 * A key cannot contain {@code *}{@code /} (the comment ends there). The hint is removed from the SQL that is sent. A comment starting with {@code /*+} that is not
 * a well-formed {@code shard_key} hint is an error rather than being ignored.
 */
public final class SqlText {

  /** @param shardKey the hinted key, or null without a hint; @param sql the SQL without the hint */
  public record Parsed(String shardKey, String sql, StatementRoute kind) {}

  private SqlText() {}

  public static Parsed parse(String sql) throws SQLException {
    if (sql == null) {
      throw new SQLSyntaxErrorException("SQL must not be null", "42000");
    }
    int i = skipWhitespace(sql, 0);
    if (!sql.startsWith("/*+", i)) {
      return new Parsed(null, sql, StatementRoute.of(sql));
    }
    int end = sql.indexOf("*/", i + 3);
    if (end < 0) {
      throw badHint(sql, "the hint comment is not closed with */");
    }
    String body = sql.substring(i + 3, end).trim();
    String name = "shard_key";
    if (!body.regionMatches(true, 0, name, 0, name.length())) {
      throw badHint(sql, "the only hint is shard_key=<key>");
    }
    int j = skipWhitespace(body, name.length());
    if (j >= body.length() || body.charAt(j) != '=') {
      throw badHint(sql, "expected '=' after shard_key");
    }
    j = skipWhitespace(body, j + 1);
    String key;
    if (j < body.length() && body.charAt(j) == '\'') {
      StringBuilder k = new StringBuilder();
      int p = j + 1;
      while (true) {
        if (p >= body.length()) {
          throw badHint(sql, "the quoted shard key is not closed");
        }
        char c = body.charAt(p);
        if (c == '\'') {
          if (p + 1 < body.length() && body.charAt(p + 1) == '\'') {
            k.append('\'');
            p += 2;
            continue;
          }
          p++;
          break;
        }
        k.append(c);
        p++;
      }
      key = k.toString();
      j = p;
    } else {
      int start = j;
      while (j < body.length() && !Character.isWhitespace(body.charAt(j))) {
        j++;
      }
      key = body.substring(start, j);
      if (key.isEmpty()) {
        throw badHint(sql, "the shard key is missing (use shard_key='' for the empty key)");
      }
    }
    if (!body.substring(j).isBlank()) {
      throw badHint(sql, "unexpected text after the shard key: '" + body.substring(j).trim() + "'");
    }
    String rest = sql.substring(end + 2);
    if (rest.isBlank()) {
      throw badHint(sql, "there is no SQL after the hint");
    }
    return new Parsed(key, rest, StatementRoute.of(rest));
  }

  /** True if the SQL may return rows although it writes (INSERT/UPDATE/DELETE ... RETURNING). */
  static boolean mayReturnRows(String sql) {
    return sql.toUpperCase(Locale.ROOT).contains("RETURNING");
  }

  private static int skipWhitespace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static SQLException badHint(String sql, String why) {
    String shown = sql.length() > 80 ? sql.substring(0, 80) + "..." : sql;
    return new SQLSyntaxErrorException("bad shardlite hint in '" + shown + "': " + why
        + " (form: /*+ shard_key=abc */ SELECT ...)", "42000");
  }
}
