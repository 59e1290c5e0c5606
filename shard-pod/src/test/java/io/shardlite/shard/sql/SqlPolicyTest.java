package io.shardlite.shard.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlPolicyTest {

  private static void assertRejected(String sql, ErrorCode code, String messagePart) {
    assertThatThrownBy(() -> SqlPolicy.check(sql))
        .as(sql)
        .isInstanceOfSatisfying(ShardliteException.class, e -> {
          assertThat(e.code()).isEqualTo(code);
          assertThat(e.detail()).containsIgnoringCase(messagePart);
        });
  }

  private static void assertAccepted(String sql) {
    assertThatCode(() -> SqlPolicy.check(sql)).as(sql).doesNotThrowAnyException();
  }

  // --- empty and multiple statements ---

  @Test
  void nullOrBlankIsMalformed() {
    assertRejected(null, ErrorCode.MALFORMED_REQUEST, "empty");
    assertRejected("", ErrorCode.MALFORMED_REQUEST, "empty");
    assertRejected("  \n\t ", ErrorCode.MALFORMED_REQUEST, "empty");
    assertRejected("-- only a comment", ErrorCode.MALFORMED_REQUEST, "empty");
    assertRejected("/* only */ ; ;", ErrorCode.MALFORMED_REQUEST, "empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT 1; SELECT 2",
      "INSERT INTO t VALUES (1);DROP TABLE t",
      "SELECT 1; -- comment\n DELETE FROM t",
      "SELECT 'a;b'; SELECT 2",
      "SELECT 1;; SELECT 2",
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END; DROP TABLE t",
  })
  void moreThanOneStatementIsMalformed(String sql) {
    assertRejected(sql, ErrorCode.MALFORMED_REQUEST, "one statement per entry");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT 1;",
      "SELECT 1 ;  \n",
      "SELECT 1; -- done",
      "SELECT 1; /* done */ ;",
      "SELECT 'a;b' AS s",
      "SELECT 'it''s; fine', 'x'",
      "SELECT \"a;b\" FROM t",
      "SELECT [a;b] FROM t",
      "SELECT `a;b` FROM t",
      "SELECT 1 -- ; DROP TABLE t",
      "SELECT /* ; DROP TABLE t */ 1",
      "SELECT x'3b3b'",
      "SELECT 1 /* an unclosed comment runs to the end ; DROP TABLE t",
  })
  void semicolonsInLiteralsCommentsOrAtTheEndAreFine(String sql) {
    assertAccepted(sql);
  }

  @Test
  void triggerBodiesMayContainSemicolons() {
    assertAccepted("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES (new.a); DELETE FROM u WHERE a < 0; END");
    assertAccepted("create temp trigger tr after insert on t when new.a > 0 begin "
        + "update u set a = case when new.a > 1 then 2 else 3 end; "
        + "insert into u select case new.a when 1 then 1 end; end;");
  }

  @Test
  void unterminatedLiteralIsMalformed() {
    assertRejected("SELECT 'abc", ErrorCode.MALFORMED_REQUEST, "unterminated");
    assertRejected("SELECT \"abc FROM t", ErrorCode.MALFORMED_REQUEST, "unterminated");
    assertRejected("SELECT [abc FROM t", ErrorCode.MALFORMED_REQUEST, "unterminated");
  }

  // --- forbidden statements ---

  @ParameterizedTest
  @ValueSource(strings = {
      "BEGIN", "begin immediate transaction", "COMMIT", "END TRANSACTION", "ROLLBACK", "rollback to sp",
      "SAVEPOINT sp", "RELEASE sp", "ATTACH DATABASE 'other.db' AS other", "DETACH other",
      "PRAGMA journal_mode = DELETE", "  /* hello */ pragma table_info(t)", "VACUUM", "VACUUM INTO '/tmp/copy.db'",
      "backup to /tmp/copy.db", "restore from /tmp/copy.db",
  })
  void statementsTheShardControlsAreForbidden(String sql) {
    String keyword = sql.replaceAll("/\\*.*?\\*/", "").trim().split("\\s+")[0];
    assertRejected(sql, ErrorCode.FORBIDDEN_STATEMENT, keyword);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "EXPLAIN QUERY PLAN SELECT * FROM t",
      "EXPLAIN SELECT 1",
      "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
      "ANALYZE",
      "REINDEX",
      "CREATE TABLE t2(a INTEGER PRIMARY KEY, b TEXT)",
      "INSERT INTO t(a) VALUES (?)",
      "UPDATE t SET a = :a WHERE rowid = @r",
      "DELETE FROM t WHERE a = $a",
      "SELECT begin, commit FROM t", // keywords not in first position are irrelevant
  })
  void ordinaryStatementsAreAccepted(String sql) {
    assertAccepted(sql);
  }

  // --- reserved names and load_extension ---

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT * FROM _shardlite_meta",
      "select * from _SHARDLITE_TX",
      "SELECT * FROM main._shardlite_meta",
      "SELECT * FROM \"_shardlite_meta\"",
      "SELECT * FROM [_shardlite_meta]",
      "SELECT * FROM `_ShardLite_tx`",
      "SELECT * FROM '_shardlite_meta'", // SQLite reads a string literal as a name here
      "CREATE TABLE _shardlite_mine(a)",
      "ALTER TABLE t RENAME TO _shardlite_x",
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM _shardlite_tx; END",
  })
  void reservedNamesAreForbidden(String sql) {
    assertRejected(sql, ErrorCode.FORBIDDEN_STATEMENT, "_shardlite");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT 'about _shardlite_meta'",
      "INSERT INTO t VALUES ('the _shardlite tables')",
      "SELECT * FROM my_shardlite_table",
      "SELECT 1 -- _shardlite_meta",
      "SELECT x'5f73686172646c697465'",
  })
  void reservedPrefixElsewhereIsFine(String sql) {
    assertAccepted(sql);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT load_extension('/tmp/evil.so')",
      "select LOAD_EXTENSION ('/tmp/evil.so', 'entry')",
      "SELECT \"load_extension\"('/tmp/evil.so')",
      "SELECT [load_extension]('/tmp/evil.so')",
  })
  void loadExtensionIsForbidden(String sql) {
    assertRejected(sql, ErrorCode.FORBIDDEN_STATEMENT, "load_extension");
  }

  @Test
  void loadExtensionInsideALiteralIsFine() {
    assertAccepted("SELECT 'load_extension'");
  }

  // --- read-only detection ---

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT * FROM t",
      "  -- comment\n select 1",
      "VALUES (1), (2)",
      "EXPLAIN INSERT INTO t VALUES (1)",
      "EXPLAIN QUERY PLAN DELETE FROM t",
      "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
      "WITH x AS (SELECT 'insert' AS \"delete\") SELECT \"delete\" FROM x;",
      "WITH x AS (SELECT replace('a', 'a', 'b') AS a) SELECT a FROM x", // the verb is SELECT
      "WITH x(a) AS MATERIALIZED (SELECT 1), y AS NOT MATERIALIZED (VALUES (2)) SELECT * FROM x, y",
      "SELECT 1;",
  })
  void readOnlyStatements(String sql) {
    assertThat(SqlPolicy.isReadOnly(sql)).as(sql).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "INSERT INTO t VALUES (1)",
      "UPDATE t SET a = 1",
      "DELETE FROM t",
      "REPLACE INTO t VALUES (1)",
      "CREATE TABLE x(a)",
      "WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x",
      "WITH x AS (SELECT 1 AS a) DELETE FROM t WHERE a IN x",
      "WITH x AS (SELECT 1 AS a) UPDATE t SET a = 2",
      "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) REPLACE INTO t SELECT n FROM c",
      "SELECT 1; DELETE FROM t",
      "SELECT 'unterminated",
      "",
  })
  void notReadOnlyStatements(String sql) {
    assertThat(SqlPolicy.isReadOnly(sql)).as(sql).isFalse();
  }

  @Test
  void aStatementIsKnownByItsVerbAlsoAfterAWithClause() {
    assertThat(SqlPolicy.check("SELECT 1")).isEqualTo(SqlPolicy.StatementKind.READ);
    assertThat(SqlPolicy.check("WITH x AS (SELECT 'update' AS a) SELECT a FROM x")).isEqualTo(SqlPolicy.StatementKind.READ);
    assertThat(SqlPolicy.check("INSERT INTO t VALUES (1)")).isEqualTo(SqlPolicy.StatementKind.ROW_INSERT);
    assertThat(SqlPolicy.check("WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x"))
        .isEqualTo(SqlPolicy.StatementKind.ROW_INSERT);
    assertThat(SqlPolicy.check("WITH x AS (SELECT 1 AS a) UPDATE t SET a = (SELECT a FROM x)"))
        .isEqualTo(SqlPolicy.StatementKind.ROW_CHANGE);
    assertThat(SqlPolicy.check("WITH x(a) AS (VALUES (1), (2)) DELETE FROM t WHERE a IN x"))
        .isEqualTo(SqlPolicy.StatementKind.ROW_CHANGE);
    assertThat(SqlPolicy.check("CREATE TABLE t2(a)")).isEqualTo(SqlPolicy.StatementKind.OTHER);
  }

  @Test
  void nullIsNotReadOnly() {
    assertThat(SqlPolicy.isReadOnly(null)).isFalse();
  }

  // --- the rules agree with what real SQLite does ---

  @Test
  void acceptedTrickyStatementsRunInSqlite() throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
         Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t(a, \"a;b\", \"[x]\")");
      st.execute("CREATE TABLE u(a)");
      String[] accepted = {
          "SELECT \"a;b\" FROM t;",
          "SELECT [a;b] FROM t -- trailing ; comment",
          "SELECT `a;b` FROM t; /* done */ ;",
          "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES (new.a); "
              + "UPDATE u SET a = CASE WHEN a > 1 THEN 2 ELSE 3 END; END",
          "INSERT INTO t(a) VALUES ('x;y')",
      };
      for (String sql : accepted) {
        SqlPolicy.check(sql);
        st.execute(sql);
      }
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM u")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).as("the whole trigger body ran").isEqualTo(1);
      }
    }
  }

  @Test
  void sqliteReallyReadsAStringLiteralAsATableName() throws SQLException {
    // Why a string literal starting with _shardlite is rejected too.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
         Statement st = c.createStatement()) {
      st.execute("CREATE TABLE _shardlite_meta(id)");
      st.execute("INSERT INTO _shardlite_meta VALUES (42)");
      try (ResultSet rs = st.executeQuery("SELECT id FROM '_shardlite_meta'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
    }
    assertRejected("SELECT id FROM '_shardlite_meta'", ErrorCode.FORBIDDEN_STATEMENT, "_shardlite");
  }

  @org.junit.jupiter.api.Test
  void replicaLocalIntrospectionIsForbidden() {
    for (String sql : java.util.List.of("SELECT file FROM pragma_database_list", "SELECT sqlite_offset(x) FROM t",
        "INSERT INTO t SELECT name FROM PRAGMA_table_info('t')")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> SqlPolicy.check(sql)).as(sql)
          .isInstanceOf(io.shardlite.common.error.ShardliteException.class)
          .hasMessageContaining("FORBIDDEN_STATEMENT");
    }
  }
}
