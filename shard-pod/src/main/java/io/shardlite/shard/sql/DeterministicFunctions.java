package io.shardlite.shard.sql;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sqlite.Function;

/**
 * Makes SQLite's time and randomness functions deterministic on one connection, so that every
 * replica applying the same entry gets the same results. {@link #install} registers
 * application-defined functions, which SQLite looks up before its built-ins of the same name.
 *
 * <p>Made deterministic (values come from the connection's {@link DeterministicContext}, which
 * the apply thread sets per entry):
 *
 * <ul>
 *   <li>{@code random()}: the context's next random long;
 *   <li>{@code randomblob(N)}: the context's next N random bytes (N &lt; 1 gives 1 byte, as in
 *       SQLite);
 *   <li>{@code CURRENT_TIMESTAMP}, {@code CURRENT_DATE}, {@code CURRENT_TIME} (SQLite compiles
 *       these keywords, also as a column {@code DEFAULT}, to calls of the 0-argument functions
 *       {@code current_timestamp()} etc.): the context's timestamp in UTC, formatted as SQLite
 *       does ({@code YYYY-MM-DD HH:MM:SS}, {@code YYYY-MM-DD}, {@code HH:MM:SS});
 *   <li>{@code date}, {@code time}, {@code datetime}, {@code julianday}, {@code unixepoch},
 *       {@code strftime}, {@code timediff}: a time value {@code 'now'} (any case, surrounding
 *       blanks ignored) or a missing time value ({@code date()}, {@code strftime('%s')}) is
 *       replaced by the context's timestamp ({@code YYYY-MM-DD HH:MM:SS.SSS}, UTC); the result is
 *       then computed by SQLite's own built-in on a private in-memory connection without
 *       overrides, so formats, modifiers (including {@code 'subsec'}) and result types are
 *       SQLite's.
 * </ul>
 *
 * <p>Rejected with an error whose message starts with {@value #ERROR_PREFIX} (see {@link
 * #isNondeterminismError}): the {@code 'localtime'} and {@code 'utc'} modifiers of the date and
 * time functions, whose results depend on the replica's time zone.
 *
 * <p>The overrides are registered as non-deterministic functions (like SQLite's {@code random()}),
 * so SQLite refuses them in index expressions, partial-index {@code WHERE} clauses and generated
 * columns ("non-deterministic functions prohibited ..."). That is on purpose: SQLite's own date
 * functions are allowed there because they raise an error for {@code 'now'} in those places, a
 * check an application-defined function cannot make; an index over a value that changes with
 * each entry's time would corrupt the index.
 *
 * <p>Each installed function reads its context on the calling thread; like the context, a
 * connection with the functions installed belongs to one thread at a time. The private
 * evaluation connection is shared by all installations and used under a lock.
 */
public final class DeterministicFunctions {
  private DeterministicFunctions() {}

  /** The start of every determinism error raised by these functions. */
  public static final String ERROR_PREFIX = "NONDETERMINISTIC:";

  /** SQLite's default maximum length of a string or blob (SQLITE_MAX_LENGTH). */
  private static final long MAX_BLOB = 1_000_000_000L;

  private static final DateTimeFormatter NOW = utc("uuuu-MM-dd HH:mm:ss.SSS");
  private static final DateTimeFormatter TIMESTAMP = utc("uuuu-MM-dd HH:mm:ss");
  private static final DateTimeFormatter DATE = utc("uuuu-MM-dd");
  private static final DateTimeFormatter TIME = utc("HH:mm:ss");

  /** The date and time functions whose {@code 'now'} is replaced; all are variadic in SQLite. */
  static final List<String> DATE_FUNCTIONS =
      List.of("date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff");

  /** Registers the deterministic functions on {@code conn}, reading time and randomness from {@code ctx}. */
  public static void install(Connection conn, DeterministicContext ctx) throws SQLException {
    Function.create(conn, "random", new ContextFunction(ctx) {
      @Override
      void call() throws SQLException {
        result(ctx.nextLong());
      }
    }, 0, 0);
    Function.create(conn, "randomblob", new ContextFunction(ctx) {
      @Override
      void call() throws SQLException {
        long n = Math.max(1, value_long(0));
        if (n > MAX_BLOB) {
          throw new SQLException("string or blob too big");
        }
        result(ctx.nextBytes((int) n));
      }
    }, 1, 0);
    installCurrent(conn, ctx, "current_timestamp", TIMESTAMP);
    installCurrent(conn, ctx, "current_date", DATE);
    installCurrent(conn, ctx, "current_time", TIME);
    for (String name : DATE_FUNCTIONS) {
      Function.create(conn, name, new DateFunction(ctx, name), -1, 0);
    }
  }

  /**
   * True when {@code e} (or an exception it wraps or chains) was raised by a determinism check of
   * these functions. sqlite-jdbc wraps the function's message, so this looks for the prefix
   * anywhere in the message.
   */
  public static boolean isNondeterminismError(SQLException e) {
    for (SQLException s = e; s != null; s = s.getNextException()) {
      for (Throwable t = s; t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t.getMessage() != null && t.getMessage().contains(ERROR_PREFIX)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void installCurrent(Connection conn, DeterministicContext ctx, String name, DateTimeFormatter format)
      throws SQLException {
    Function.create(conn, name, new ContextFunction(ctx) {
      @Override
      void call() throws SQLException {
        result(format.format(Instant.ofEpochMilli(ctx.timestampMillis())));
      }
    }, 0, 0);
  }

  private static DateTimeFormatter utc(String pattern) {
    return DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC);
  }

  /** A function that needs the context; failures become SQLite errors with the cause's message. */
  private abstract static class ContextFunction extends Function {
    final DeterministicContext ctx;

    ContextFunction(DeterministicContext ctx) {
      this.ctx = ctx;
    }

    abstract void call() throws SQLException;

    @Override
    protected final void xFunc() throws SQLException {
      if (!ctx.isSet()) {
        error("shardlite: no deterministic context (DeterministicContext.begin was not called)");
        return;
      }
      try {
        call();
      } catch (SQLException e) {
        error(unwrap(e.getMessage()));
      }
    }

    /** Argument {@code i} as the Java value the evaluation connection binds back unchanged. */
    Object value(int i) throws SQLException {
      switch (value_type(i)) {
        case 1: // SQLITE_INTEGER
          return value_long(i);
        case 2: // SQLITE_FLOAT
          return value_double(i);
        case 3: // SQLITE_TEXT
          return value_text(i);
        case 4: // SQLITE_BLOB
          return value_blob(i);
        default: // SQLITE_NULL
          return null;
      }
    }
  }

  /** date, time, datetime, julianday, unixepoch, strftime or timediff with 'now' pinned. */
  private static final class DateFunction extends ContextFunction {
    private final String name;

    DateFunction(DeterministicContext ctx, String name) {
      super(ctx);
      this.name = name;
    }

    @Override
    void call() throws SQLException {
      int argc = args();
      List<Object> values = new ArrayList<>(argc + 1);
      for (int i = 0; i < argc; i++) {
        values.add(value(i));
      }
      String now = NOW.format(Instant.ofEpochMilli(ctx.timestampMillis()));
      int firstModifier;
      if (name.equals("timediff")) {
        if (argc != 2) {
          throw new SQLException("wrong number of arguments to function timediff()");
        }
        pinNow(values, 0, now);
        pinNow(values, 1, now);
        firstModifier = 2;
      } else {
        int timeValue = name.equals("strftime") ? 1 : 0; // strftime(format, time-value, modifier...)
        if (argc == timeValue) {
          values.add(now); // date() and strftime(format) mean now
        } else if (argc > timeValue) {
          pinNow(values, timeValue, now);
        }
        firstModifier = timeValue + 1;
      }
      for (int i = firstModifier; i < values.size(); i++) {
        String modifier = asText(values.get(i));
        if (modifier != null && (modifier.equalsIgnoreCase("localtime") || modifier.equalsIgnoreCase("utc"))) {
          throw new SQLException(ERROR_PREFIX + " the '" + modifier.toLowerCase(Locale.ROOT) + "' modifier of " + name
              + "() depends on the replica's time zone; shardlite works in UTC");
        }
      }
      Object r = Evaluator.evaluate(name, values);
      if (r == null) {
        result();
      } else if (r instanceof Integer || r instanceof Long) {
        result(((Number) r).longValue());
      } else if (r instanceof Double) {
        result((Double) r);
      } else if (r instanceof byte[]) {
        result((byte[]) r);
      } else {
        result(r.toString());
      }
    }

    private static void pinNow(List<Object> values, int i, String now) {
      String text = asText(values.get(i));
      if (text != null && text.equalsIgnoreCase("now")) {
        values.set(i, now);
      }
    }

    /**
     * The argument as SQLite's date parser reads it: text or blob up to the first NUL (SQLite
     * reads the value as a C string), blanks trimmed; null for numbers and NULL.
     */
    private static String asText(Object v) {
      String s;
      if (v instanceof String) {
        s = (String) v;
      } else if (v instanceof byte[]) {
        s = new String((byte[]) v, StandardCharsets.UTF_8);
      } else {
        return null;
      }
      int nul = s.indexOf('\0');
      return (nul < 0 ? s : s.substring(0, nul)).trim();
    }
  }

  /** SQLite's built-in date and time functions on a private in-memory connection without overrides. */
  private static final class Evaluator {
    private static Connection conn;
    private static final Map<String, PreparedStatement> statements = new HashMap<>();

    static synchronized Object evaluate(String function, List<Object> args) throws SQLException {
      if (conn == null || conn.isClosed()) {
        conn = DriverManager.getConnection("jdbc:sqlite::memory:");
        statements.clear();
      }
      String key = function + "/" + args.size();
      PreparedStatement ps = statements.get(key);
      if (ps == null) {
        StringBuilder sql = new StringBuilder("SELECT ").append(function).append('(');
        for (int i = 0; i < args.size(); i++) {
          sql.append(i == 0 ? "?" : ", ?");
        }
        ps = conn.prepareStatement(sql.append(')').toString());
        statements.put(key, ps);
      }
      for (int i = 0; i < args.size(); i++) {
        Object v = args.get(i);
        if (v == null) {
          ps.setNull(i + 1, Types.NULL);
        } else if (v instanceof Long) {
          ps.setLong(i + 1, (Long) v);
        } else if (v instanceof Double) {
          ps.setDouble(i + 1, (Double) v);
        } else if (v instanceof byte[]) {
          ps.setBytes(i + 1, (byte[]) v);
        } else {
          ps.setString(i + 1, v.toString());
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getObject(1) : null;
      }
    }
  }

  private static final Pattern JDBC_WRAPPER = Pattern.compile("^\\[SQLITE_[A-Z_]+\\][^(]*\\((.*)\\)$", Pattern.DOTALL);

  /** Strips sqlite-jdbc's "[SQLITE_ERROR] SQL error or missing database (...)" wrapper. */
  private static String unwrap(String message) {
    if (message == null) {
      return "error in a deterministic SQL function";
    }
    Matcher m = JDBC_WRAPPER.matcher(message);
    return m.matches() ? m.group(1) : message;
  }
}
