package io.shardlite.common.sql;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * SQLite's lexical rules, for the text analysis the shards (what they accept) and the virtual
 * masters (how they route) both do: string literals ({@code '...'} with {@code ''} escapes), blob
 * literals ({@code x'..'}), quoted identifiers ({@code "..."}, {@code [...]}, {@code `...`}),
 * parameters and comments ({@code --} and {@code /* *}{@code /}). Pure: no I/O, no SQLite.
 */
public final class SqlTokens {
  private SqlTokens() {}

  /** The verbs that can follow a {@code WITH} clause. */
  private static final Set<String> VERBS_AFTER_WITH = Set.of("SELECT", "VALUES", "INSERT", "REPLACE", "UPDATE", "DELETE");

  /**
   * The verb ({@link #verb}) of the statement {@code sql}, after any opening parentheses (a
   * parenthesized SELECT); null when it has none or does not tokenize.
   */
  public static String verbOf(String sql) {
    List<Token> tokens;
    try {
      tokens = tokenize(sql);
    } catch (ShardliteException malformed) {
      return null;
    }
    int first = 0;
    while (first < tokens.size() && tokens.get(first).kind() == Kind.OTHER && tokens.get(first).text().equals("(")) {
      first++;
    }
    return verb(tokens.subList(first, tokens.size()));
  }

  /**
   * What the statement {@code tokens} does, upper case: its first word, except that for
   * {@code WITH} it is the verb after the common table expressions (the first of SELECT, VALUES,
   * INSERT, REPLACE, UPDATE or DELETE outside parentheses). Null when there is none: the tokens do
   * not start with a word, or a WITH clause has no verb after it.
   */
  public static String verb(List<Token> tokens) {
    if (tokens.isEmpty() || tokens.get(0).kind() != Kind.WORD) {
      return null;
    }
    String first = tokens.get(0).upper();
    if (!first.equals("WITH")) {
      return first;
    }
    int depth = 0;
    for (Token t : tokens.subList(1, tokens.size())) {
      if (t.kind() == Kind.OTHER && t.text().equals("(")) {
        depth++;
      } else if (t.kind() == Kind.OTHER && t.text().equals(")")) {
        depth--;
      } else if (depth == 0 && t.kind() == Kind.WORD && VERBS_AFTER_WITH.contains(t.upper())) {
        return t.upper();
      }
    }
    return null;
  }

  public enum Kind {
    /** A bare word: keyword or unquoted identifier. */
    WORD,
    /** A quoted identifier; text is the name without quotes. */
    QUOTED_ID,
    /** A string literal; text is its value. */
    STRING,
    BLOB,
    NUMBER,
    PARAMETER,
    SEMI,
    /** Any other punctuation or operator character. */
    OTHER
  }

  public record Token(Kind kind, String text) {
    public String upper() {
      return text.toUpperCase(Locale.ROOT);
    }
  }

  /**
   * Splits {@code sql} into tokens, dropping whitespace and comments; an unterminated literal or
   * quoted identifier is a {@code MALFORMED_REQUEST}.
   */
  public static List<Token> tokenize(String sql) {
    List<Token> out = new ArrayList<>();
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B) {
        i++; // SQLite's whitespace; other characters at or above 0x80 are identifier characters
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int eol = sql.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int close = sql.indexOf("*/", i + 2);
        i = close < 0 ? n : close + 2; // SQLite also lets an unclosed comment run to the end
      } else if (c == '\'') {
        i = quoted(sql, i, '\'', Kind.STRING, out);
      } else if ((c == 'x' || c == 'X') && i + 1 < n && sql.charAt(i + 1) == '\'') {
        i = quoted(sql, i + 1, '\'', Kind.BLOB, out);
      } else if (c == '"' || c == '`') {
        i = quoted(sql, i, c, Kind.QUOTED_ID, out);
      } else if (c == '[') {
        int close = sql.indexOf(']', i + 1);
        if (close < 0) {
          throw unterminated("[identifier]");
        }
        out.add(new Token(Kind.QUOTED_ID, sql.substring(i + 1, close)));
        i = close + 1;
      } else if (isWordStart(c)) {
        int j = wordEnd(sql, i + 1);
        out.add(new Token(Kind.WORD, sql.substring(i, j)));
        i = j;
      } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(sql.charAt(i + 1)))) {
        int j = wordEnd(sql, i + 1); // digits, hex digits, exponent letters, '_' separators
        while (j < n && sql.charAt(j) == '.') {
          j = wordEnd(sql, j + 1);
        }
        out.add(new Token(Kind.NUMBER, sql.substring(i, j)));
        i = j;
      } else if (c == '?' || c == ':' || c == '@' || c == '$' || c == '#') {
        int j = c == '?' ? digitsEnd(sql, i + 1) : wordEnd(sql, i + 1);
        out.add(new Token(j > i + 1 || c == '?' ? Kind.PARAMETER : Kind.OTHER, sql.substring(i, j)));
        i = j;
      } else {
        out.add(new Token(c == ';' ? Kind.SEMI : Kind.OTHER, String.valueOf(c)));
        i++;
      }
    }
    return out;
  }

  /** Reads a literal or identifier quoted with {@code q} (doubled {@code q} escapes it). */
  private static int quoted(String sql, int open, char q, Kind kind, List<Token> out) {
    StringBuilder value = new StringBuilder();
    int i = open + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == q) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == q) {
          value.append(q);
          i += 2;
          continue;
        }
        out.add(new Token(kind, value.toString()));
        return i + 1;
      }
      value.append(c);
      i++;
    }
    throw unterminated(kind == Kind.QUOTED_ID ? "quoted identifier" : "string literal");
  }

  private static boolean isWordStart(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
  }

  private static int wordEnd(String sql, int i) {
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (!(isWordStart(c) || (c >= '0' && c <= '9') || c == '$')) {
        break;
      }
      i++;
    }
    return i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int digitsEnd(String sql, int i) {
    while (i < sql.length() && isDigit(sql.charAt(i))) {
      i++;
    }
    return i;
  }

  private static ShardliteException unterminated(String what) {
    return new ShardliteException(ErrorCode.MALFORMED_REQUEST, "unterminated " + what);
  }
}
