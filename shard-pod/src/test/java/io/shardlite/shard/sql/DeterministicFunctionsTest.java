package io.shardlite.shard.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeterministicFunctionsTest {
  /** 2001-09-09 01:46:40.123 UTC: far from the wall clock, so a leaked built-in shows. */
  private static final long T = 1_000_000_000_123L;
  private static final long SEED = 42;

  @TempDir Path dir;
  private Replica a;
  private Replica b;

  /** One replica: its own database file, connection and context. */
  private static final class Replica implements AutoCloseable {
    final Connection conn;
    final DeterministicContext ctx = new DeterministicContext();

    Replica(Path file) throws SQLException {
      conn = DriverManager.getConnection("jdbc:sqlite:" + file);
      DeterministicFunctions.install(conn, ctx);
    }

    /** The single row of {@code sql}, each value as JDBC returns it (blobs as hex). */
    List<Object> row(String sql) throws SQLException {
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
        assertThat(rs.next()).as(sql).isTrue();
        return values(rs);
      }
    }

    Object one(String sql) throws SQLException {
      return row(sql).get(0);
    }

    List<List<Object>> rows(String sql) throws SQLException {
      List<List<Object>> out = new ArrayList<>();
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          out.add(values(rs));
        }
      }
      return out;
    }

    void exec(String sql) throws SQLException {
      try (Statement st = conn.createStatement()) {
        st.execute(sql);
      }
    }

    private static List<Object> values(ResultSet rs) throws SQLException {
      List<Object> row = new ArrayList<>();
      for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
        Object v = rs.getObject(c);
        row.add(v instanceof byte[] ? hex((byte[]) v) : v);
      }
      return row;
    }

    @Override
    public void close() throws SQLException {
      conn.close();
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte x : bytes) {
      s.append(String.format("%02X", x));
    }
    return s.toString();
  }

  @BeforeEach
  void open() throws SQLException {
    a = new Replica(dir.resolve("a.db"));
    b = new Replica(dir.resolve("b.db"));
  }

  @AfterEach
  void close() throws SQLException {
    a.close();
    b.close();
  }

  /** Built-in SQLite (no overrides) on a plain connection, for expected values. */
  private static Object builtin(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getObject(1);
    }
  }

  private static final String EVERYTHING = "SELECT random(), randomblob(16), hex(randomblob(4)), CURRENT_TIMESTAMP,"
      + " CURRENT_DATE, CURRENT_TIME, date('now'), time('NOW'), datetime(), date(), strftime('%s', 'now'),"
      + " strftime('%Y-%m-%d %H:%M:%f'), julianday('now'), unixepoch(), unixepoch('now', 'subsec'),"
      + " timediff('now', '2001-01-01'), random()";

  @Test
  void sameContextGivesTheSameResultsOnTwoDatabases() throws SQLException {
    a.ctx.begin(T, SEED);
    b.ctx.begin(T, SEED);
    List<Object> ra = a.row(EVERYTHING);
    List<Object> rb = b.row(EVERYTHING);
    assertThat(ra).isEqualTo(rb);
    assertThat(ra.get(0)).as("two random() calls draw twice").isNotEqualTo(ra.get(ra.size() - 1));
  }

  @Test
  void timeFunctionsUseTheContextTime() throws SQLException {
    a.ctx.begin(T, SEED);
    String nowText = "2001-09-09 01:46:40.123";
    assertThat(Instant.ofEpochMilli(T).toString()).isEqualTo("2001-09-09T01:46:40.123Z");
    assertThat(a.row("SELECT CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME"))
        .containsExactly("2001-09-09 01:46:40", "2001-09-09", "01:46:40");
    assertThat(a.row("SELECT date('now'), time('now'), datetime('now'), date(), datetime(' Now ')"))
        .containsExactly("2001-09-09", "01:46:40", "2001-09-09 01:46:40", "2001-09-09", "2001-09-09 01:46:40");
    assertThat(a.one("SELECT strftime('%s', 'now')")).isEqualTo("1000000000");
    assertThat(a.one("SELECT strftime('%H:%M:%f')")).isEqualTo("01:46:40.123");
    assertThat(a.one("SELECT unixepoch()")).isEqualTo(1_000_000_000);
    assertThat(a.one("SELECT unixepoch('now', 'subsec')")).isEqualTo(1_000_000_000.123);
    assertThat(a.one("SELECT julianday('now')")).isEqualTo(builtin("SELECT julianday('" + nowText + "')"));
    assertThat(a.one("SELECT timediff('now', '2001-09-08 01:46:40.123')"))
        .isEqualTo(builtin("SELECT timediff('" + nowText + "', '2001-09-08 01:46:40.123')"));
    assertThat(a.one("SELECT date('now', '+1 month', 'start of month')")).isEqualTo("2001-10-01");
    // The formats match SQLite's own for the same instant.
    assertThat(a.row("SELECT CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME")).containsExactly(
        builtin("SELECT datetime('" + nowText + "')"), builtin("SELECT date('" + nowText + "')"),
        builtin("SELECT time('" + nowText + "')"));
  }

  @Test
  void theContextTimeChangesWithEachEntry() throws SQLException {
    a.ctx.begin(T, SEED);
    assertThat(a.one("SELECT CURRENT_TIMESTAMP")).isEqualTo("2001-09-09 01:46:40");
    a.ctx.begin(T + 86_400_000L, SEED);
    assertThat(a.one("SELECT CURRENT_TIMESTAMP")).isEqualTo("2001-09-10 01:46:40");
    assertThat(a.one("SELECT date('now')")).isEqualTo("2001-09-10");
  }

  @Test
  void differentSeedsGiveDifferentRandomness() throws SQLException {
    a.ctx.begin(T, 1);
    b.ctx.begin(T, 2);
    List<Object> ra = a.row("SELECT random(), randomblob(16)");
    List<Object> rb = b.row("SELECT random(), randomblob(16)");
    assertThat(ra.get(0)).isNotEqualTo(rb.get(0));
    assertThat(ra.get(1)).isNotEqualTo(rb.get(1));
    // ... and so does another timestamp with the same seed.
    b.ctx.begin(T + 1, 1);
    assertThat(b.one("SELECT random()")).isNotEqualTo(ra.get(0));
  }

  @Test
  void beginRestartsTheRandomStream() throws SQLException {
    a.ctx.begin(T, SEED);
    Object first = a.one("SELECT random()");
    assertThat(a.one("SELECT random()")).isNotEqualTo(first);
    a.ctx.begin(T, SEED);
    assertThat(a.one("SELECT random()")).isEqualTo(first);
  }

  @Test
  void randomValuesHaveSqliteTypesAndSizes() throws SQLException {
    a.ctx.begin(T, SEED);
    assertThat(a.row("SELECT typeof(random()), typeof(randomblob(3)), length(randomblob(3)),"
        + " length(randomblob(0)), length(randomblob(-5)), length(randomblob(NULL)), length(randomblob('x'))"))
        .containsExactly("integer", "blob", 3, 1, 1, 1, 1);
  }

  @Test
  void datesWithoutNowWorkAsInSqlite() throws SQLException {
    a.ctx.begin(T, SEED);
    String[] queries = {
        "SELECT datetime('2020-01-01', '+1 day')",
        "SELECT date('2020-02-28', '+1 day', 'weekday 1')",
        "SELECT julianday('2020-01-01')",
        "SELECT unixepoch('2020-01-01')",
        "SELECT unixepoch('2020-01-01 00:00:00.250', 'subsec')",
        "SELECT strftime('%Y', 1700000000, 'unixepoch')",
        "SELECT datetime(2460000.5)",
        "SELECT datetime(1700000000, 'auto')",
        "SELECT date(NULL)",
        "SELECT date('not a date')",
        "SELECT strftime('%j', '2020-12-31')",
        "SELECT timediff('2020-03-01', '2020-02-01')",
        "SELECT time('12:34:56.789', '+1 hour')",
        "SELECT typeof(julianday('2020-01-01')) || typeof(unixepoch('2020-01-01')) || typeof(date(NULL))",
    };
    for (String q : queries) {
      assertThat(a.one(q)).as(q).isEqualTo(builtin(q));
    }
    assertThat(a.one("SELECT datetime('2020-01-01', '+1 day')")).isEqualTo("2020-01-02 00:00:00");
    assertThat(a.one("SELECT typeof(julianday('2020-01-01')) || typeof(unixepoch('2020-01-01'))"))
        .isEqualTo("realinteger");
  }

  @Test
  void localtimeAndUtcAreRejected() throws SQLException {
    a.ctx.begin(T, SEED);
    String[] queries = {
        "SELECT datetime('now', 'localtime')",
        "SELECT datetime('2020-01-01', 'LOCALTIME')",
        "SELECT date('2020-01-01', '+1 day', ' utc ')",
        "SELECT strftime('%H', '2020-01-01 10:00', 'localtime')",
        "SELECT unixepoch('2020-01-01', 'utc')",
        "SELECT julianday('now', 'localtime')",
        "SELECT time('10:00', 'localtime' || char(0) || 'x')",
    };
    for (String q : queries) {
      assertThatThrownBy(() -> a.one(q))
          .as(q)
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(DeterministicFunctions.isNondeterminismError(e)).isTrue();
            assertThat(e.getMessage()).contains("NONDETERMINISTIC:").contains("time zone");
          });
    }
  }

  @Test
  void ordinaryErrorsAreNotNondeterminismErrors() throws SQLException {
    a.ctx.begin(T, SEED);
    assertThatThrownBy(() -> a.one("SELECT * FROM no_such_table"))
        .isInstanceOfSatisfying(SQLException.class,
            e -> assertThat(DeterministicFunctions.isNondeterminismError(e)).isFalse());
    assertThatThrownBy(() -> a.one("SELECT timediff('now')"))
        .isInstanceOfSatisfying(SQLException.class, e -> {
          assertThat(e.getMessage()).contains("wrong number of arguments to function timediff()");
          assertThat(DeterministicFunctions.isNondeterminismError(e)).isFalse();
        });
  }

  @Test
  void nowHiddenInABlobOrBeforeANulIsStillPinned() throws SQLException {
    a.ctx.begin(T, SEED);
    // SQLite's date parser reads blobs as text and stops at a NUL; neither may reach the real clock.
    assertThat(a.one("SELECT date(CAST('now' AS BLOB))")).isEqualTo("2001-09-09");
    assertThat(a.one("SELECT date('now' || char(0) || 'junk')")).isEqualTo("2001-09-09");
  }

  @Test
  void columnDefaultsUseTheContextTime() throws SQLException {
    for (Replica r : List.of(a, b)) {
      r.exec("CREATE TABLE e(id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP,"
          + " d TEXT DEFAULT CURRENT_DATE, t TEXT DEFAULT CURRENT_TIME, s INTEGER DEFAULT (unixepoch('now')),"
          + " tag BLOB DEFAULT (randomblob(8)))");
      r.ctx.begin(T, SEED);
      r.exec("INSERT INTO e(id) VALUES (1)");
      r.ctx.begin(T + 1000, SEED + 1);
      r.exec("INSERT INTO e(id) VALUES (2)");
    }
    List<List<Object>> rows = a.rows("SELECT id, at, d, t, s, tag FROM e ORDER BY id");
    assertThat(rows).isEqualTo(b.rows("SELECT id, at, d, t, s, tag FROM e ORDER BY id"));
    assertThat(rows.get(0).subList(0, 5)).containsExactly(1, "2001-09-09 01:46:40", "2001-09-09", "01:46:40", 1_000_000_000);
    assertThat(rows.get(1).subList(0, 5)).containsExactly(2, "2001-09-09 01:46:41", "2001-09-09", "01:46:41", 1_000_000_001);
  }

  @Test
  void randomInInsertSelectIsTheSameOnBothDatabases() throws SQLException {
    for (Replica r : List.of(a, b)) {
      r.exec("CREATE TABLE r(n INTEGER PRIMARY KEY, x INTEGER, blob BLOB, at TEXT)");
      r.ctx.begin(T, SEED);
      r.exec("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 50)"
          + " INSERT INTO r SELECT n, random(), randomblob(n % 7), datetime('now', '+' || n || ' seconds') FROM seq");
    }
    List<List<Object>> rows = a.rows("SELECT n, x, blob, at FROM r ORDER BY n");
    assertThat(rows).hasSize(50).isEqualTo(b.rows("SELECT n, x, blob, at FROM r ORDER BY n"));
    assertThat(rows.stream().map(row -> row.get(1)).distinct().count()).as("each row draws anew").isEqualTo(50);
    assertThat(rows.get(49).get(3)).isEqualTo("2001-09-09 01:47:30");
  }

  @Test
  void overridesWinOverTheBuiltInsOnlyOnTheirConnection() throws SQLException {
    a.ctx.begin(T, SEED);
    assertThat(a.one("SELECT CURRENT_TIMESTAMP")).isEqualTo("2001-09-09 01:46:40");
    assertThat((String) builtin("SELECT CURRENT_TIMESTAMP")).doesNotStartWith("2001");
  }

  @Test
  void withoutAContextTheFunctionsFail() {
    assertThatThrownBy(() -> a.one("SELECT random()"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("DeterministicContext.begin");
    assertThatThrownBy(() -> a.one("SELECT date('now')"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("DeterministicContext.begin");
  }

  @Test
  void overriddenFunctionsCannotBeIndexed() throws SQLException {
    // The overrides are non-deterministic functions, like SQLite's random(): SQLite keeps them out
    // of index expressions and generated columns, where a time-dependent value would corrupt the index.
    a.ctx.begin(T, SEED);
    a.exec("CREATE TABLE ix(at TEXT)");
    assertThatThrownBy(() -> a.exec("CREATE INDEX ix_day ON ix(date(at))"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("non-deterministic");
    assertThatThrownBy(() -> a.exec("CREATE TABLE g(at TEXT, day TEXT AS (date(at)))"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("non-deterministic");
  }

  @Test
  void manyConnectionsMayEvaluateConcurrently() throws Exception {
    List<Replica> replicas = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      replicas.add(new Replica(dir.resolve("c" + i + ".db")));
    }
    try {
      Object[][] results = new Object[replicas.size()][];
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < replicas.size(); i++) {
        int k = i;
        Thread t = new Thread(() -> {
          try {
            Replica r = replicas.get(k);
            List<Object> all = new ArrayList<>();
            for (int round = 0; round < 200; round++) {
              r.ctx.begin(T + round, round);
              all.addAll(r.row("SELECT date('now', '+' || " + round + " || ' days'), julianday('now'), random()"));
            }
            results[k] = all.toArray();
          } catch (SQLException e) {
            throw new RuntimeException(e);
          }
        });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      for (Object[] r : results) {
        assertThat(r).isNotNull();
        assertThat(Arrays.asList(r)).isEqualTo(Arrays.asList(results[0]));
      }
    } finally {
      for (Replica r : replicas) {
        r.close();
      }
    }
  }
}
