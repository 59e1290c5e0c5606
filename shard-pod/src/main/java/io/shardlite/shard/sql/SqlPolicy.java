package io.shardlite.shard.sql;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.sql.SqlTokens;
import io.shardlite.common.sql.SqlTokens.Kind;
import io.shardlite.common.sql.SqlTokens.Token;
import io.shardlite.proto.ErrorCode;
import java.util.List;
import java.util.Set;

/**
 * Which SQL a shard accepts from clients. Pure text analysis (no I/O, no SQLite), done with a
 * small tokenizer that knows SQLite's lexical rules: string literals ({@code '...'} with
 * {@code ''} escapes), blob literals ({@code x'..'}), quoted identifiers ({@code "..."},
 * {@code [...]}, {@code `...`}), parameters and comments ({@code --} and {@code /* *}{@code /}).
 *
 * <p>{@link #check} rejects:
 *
 * <ul>
 *   <li>null or blank SQL, or SQL made only of comments and semicolons: {@code MALFORMED_REQUEST};
 *   <li>more than one statement: {@code MALFORMED_REQUEST} ("one statement per entry"). A
 *       {@code ;} ends the statement unless it is inside a literal, a quoted identifier, a comment
 *       or the {@code BEGIN ... END} body of a {@code CREATE TRIGGER}; after it only whitespace,
 *       comments and further {@code ;} may follow;
 *   <li>statements whose first keyword the shard controls itself or that reach outside the shard
 *       file: {@code BEGIN COMMIT END ROLLBACK SAVEPOINT RELEASE ATTACH DETACH PRAGMA VACUUM}, plus
 *       {@code BACKUP} and {@code RESTORE}, which sqlite-jdbc's {@code Statement.execute} would run
 *       as its own file-copy commands: {@code FORBIDDEN_STATEMENT};
 *   <li>any identifier (bare or quoted) starting with {@code _shardlite} (case-insensitive),
 *       reserved for the shard's own tables: {@code FORBIDDEN_STATEMENT}. A string literal whose
 *       value starts with {@code _shardlite} is rejected as well, because SQLite accepts a string
 *       literal where a name is expected ({@code SELECT * FROM '_shardlite_meta'} reads the
 *       table); bind such a value as a parameter instead. {@code _shardlite} elsewhere in a literal
 *       is fine;
 *   <li>any identifier {@code load_extension} (bare or quoted): {@code FORBIDDEN_STATEMENT};
 *   <li>pragma table-valued functions ({@code pragma_*}) and {@code sqlite_offset()}, whose
 *       results depend on the replica's own file: {@code FORBIDDEN_STATEMENT}.
 * </ul>
 *
 * <p>{@code EXPLAIN}, {@code WITH}, {@code ANALYZE} and {@code REINDEX} are accepted.
 */
public final class SqlPolicy {
  private SqlPolicy() {}

  private static final String RESERVED_PREFIX = "_shardlite";

  private static final Set<String> FORBIDDEN_FIRST_KEYWORDS = Set.of(
      "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", // the shard owns transactions
      "ATTACH", "DETACH", "VACUUM", "PRAGMA", // reach outside the shard file or change its settings
      "BACKUP", "RESTORE"); // sqlite-jdbc's extended commands (copy the database to/from a file)

  /** What a single, well-formed statement does. */
  public enum StatementKind {
    /** Cannot write: SELECT, VALUES or EXPLAIN, also after a WITH clause. */
    READ,
    /**
     * INSERT or REPLACE, also after a WITH clause: SQLite's change count is about it, and when it
     * added rows so is last_insert_rowid().
     */
    ROW_INSERT,
    /**
     * UPDATE or DELETE, also after a WITH clause: SQLite's change count is about it,
     * last_insert_rowid() is not (it still names the connection's last insert, which may be the
     * shard's own bookkeeping).
     */
    ROW_CHANGE,
    /** Anything else (DDL, ...). */
    OTHER
  }

  /**
   * Throws a {@link ShardliteException} when the shard must not execute {@code sql}; otherwise
   * says what kind of statement it is (one tokenization for both).
   */
  public static StatementKind check(String sql) {
    List<Token> tokens = singleStatement(sql);
    Token first = tokens.get(0);
    if (first.kind() == Kind.WORD && FORBIDDEN_FIRST_KEYWORDS.contains(first.upper())) {
      throw forbidden(first.upper() + " statements are not allowed: the shard manages transactions, "
          + "settings and files itself");
    }
    for (Token t : tokens) {
      boolean identifier = t.kind() == Kind.WORD || t.kind() == Kind.QUOTED_ID;
      if ((identifier || t.kind() == Kind.STRING) && startsWithIgnoreCase(t.text(), RESERVED_PREFIX)) {
        throw forbidden("names starting with " + RESERVED_PREFIX + " are reserved for the shard: " + t.text());
      }
      if (identifier && t.text().equalsIgnoreCase("load_extension")) {
        throw forbidden("load_extension is not allowed");
      }
      // These read the replica's own file layout or settings, which differ between replicas.
      if (identifier && (startsWithIgnoreCase(t.text(), "pragma_") || t.text().equalsIgnoreCase("sqlite_offset"))) {
        throw forbidden(t.text() + " depends on the replica's own file and is not allowed");
      }
    }
    return classify(tokens);
  }

  /**
   * True when {@code sql} is a single statement that cannot write: its verb
   * ({@link SqlTokens#verb}, the one after a WITH clause) is {@code SELECT}, {@code VALUES} or
   * {@code EXPLAIN}. False for malformed SQL. Does not apply {@link #check}.
   */
  public static boolean isReadOnly(String sql) {
    try {
      return classify(singleStatement(sql)) == StatementKind.READ;
    } catch (ShardliteException malformed) {
      return false;
    }
  }

  private static StatementKind classify(List<Token> tokens) {
    String verb = SqlTokens.verb(tokens);
    // No verb (no leading word, or a WITH clause with nothing after it: SQLite refuses both): OTHER.
    return switch (verb == null ? "" : verb) {
      case "SELECT", "VALUES", "EXPLAIN" -> StatementKind.READ;
      case "INSERT", "REPLACE" -> StatementKind.ROW_INSERT;
      case "UPDATE", "DELETE" -> StatementKind.ROW_CHANGE;
      default -> StatementKind.OTHER;
    };
  }

  // --- statement splitting ---

  /** The tokens of the only statement in {@code sql} (without its trailing semicolons). */
  private static List<Token> singleStatement(String sql) {
    if (sql == null || sql.isBlank()) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "empty SQL statement");
    }
    List<Token> tokens = SqlTokens.tokenize(sql);
    int start = 0;
    while (start < tokens.size() && tokens.get(start).kind() == Kind.SEMI) {
      start++; // leading empty statements are harmless
    }
    int end = statementEnd(tokens, start);
    for (int i = end; i < tokens.size(); i++) {
      if (tokens.get(i).kind() != Kind.SEMI) {
        throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "one statement per entry");
      }
    }
    if (start == end) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "empty SQL statement");
    }
    return tokens.subList(start, end);
  }

  /**
   * Index of the {@code ;} that ends the statement starting at {@code start} (or the token count).
   * Inside a {@code CREATE [TEMP] TRIGGER} body, {@code ;} separates the body's statements: the
   * body opens at the first {@code BEGIN} after {@code TRIGGER} and closes at its matching
   * {@code END}, counting {@code CASE ... END} pairs. (A bare column named {@code end} can only
   * make the count close early, i.e. reject, never let a second statement through.)
   */
  private static int statementEnd(List<Token> tokens, int start) {
    boolean trigger = isCreateTrigger(tokens, start);
    int depth = 0;
    boolean bodySeen = false;
    for (int i = start; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.kind() == Kind.SEMI && depth == 0) {
        return i;
      }
      if (trigger && t.kind() == Kind.WORD) {
        String w = t.upper();
        if (!bodySeen && w.equals("BEGIN")) {
          bodySeen = true;
          depth = 1;
        } else if (depth > 0 && w.equals("CASE")) {
          depth++;
        } else if (depth > 0 && w.equals("END")) {
          depth--;
        }
      }
    }
    return tokens.size();
  }

  private static boolean isCreateTrigger(List<Token> tokens, int start) {
    int i = start;
    if (!isWord(tokens, i++, "CREATE")) {
      return false;
    }
    if (isWord(tokens, i, "TEMP") || isWord(tokens, i, "TEMPORARY")) {
      i++;
    }
    return isWord(tokens, i, "TRIGGER");
  }

  private static boolean isWord(List<Token> tokens, int i, String upper) {
    return i < tokens.size() && tokens.get(i).kind() == Kind.WORD && tokens.get(i).upper().equals(upper);
  }

  private static boolean startsWithIgnoreCase(String s, String prefix) {
    return s.regionMatches(true, 0, prefix, 0, prefix.length());
  }

  private static ShardliteException forbidden(String message) {
    return new ShardliteException(ErrorCode.FORBIDDEN_STATEMENT, message);
  }
}
