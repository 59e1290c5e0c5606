package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import org.junit.jupiter.api.Test;

class SqlTextTest {
  @Test
  void noHint() throws SQLException {
    SqlText.Parsed p = SqlText.parse("SELECT 1");
    assertThat(p.shardKey()).isNull();
    assertThat(p.sql()).isEqualTo("SELECT 1");
    assertThat(p.kind()).isEqualTo(SqlText.Kind.READ);
  }

  @Test
  void bareKeyHintIsReadAndRemoved() throws SQLException {
    SqlText.Parsed p = SqlText.parse("  /*+ shard_key=abc */ SELECT * FROM t");
    assertThat(p.shardKey()).isEqualTo("abc");
    assertThat(p.sql()).isEqualTo(" SELECT * FROM t");
    assertThat(p.kind()).isEqualTo(SqlText.Kind.READ);
  }

  @Test
  void spacingCaseAndQuotedKeys() throws SQLException {
    assertThat(SqlText.parse("/*+SHARD_KEY = user:7*/UPDATE t SET v = 1").shardKey()).isEqualTo("user:7");
    assertThat(SqlText.parse("/*+ shard_key='a key with '' and ' */ DELETE FROM t").shardKey()).isEqualTo("a key with ' and ");
    assertThat(SqlText.parse("/*+ shard_key='' */ INSERT INTO t VALUES (1)").shardKey()).isEmpty();
    assertThat(SqlText.parse("/*+ shard_key=k */\nINSERT INTO t VALUES (1)").kind()).isEqualTo(SqlText.Kind.WRITE);
  }

  @Test
  void aHintOnlyCountsAtTheStart() throws SQLException {
    SqlText.Parsed p = SqlText.parse("SELECT /*+ shard_key=abc */ 1");
    assertThat(p.shardKey()).isNull();
    assertThat(p.sql()).isEqualTo("SELECT /*+ shard_key=abc */ 1");
    // An ordinary comment is not a hint.
    assertThat(SqlText.parse("/* shard_key=abc */ SELECT 1").shardKey()).isNull();
  }

  @Test
  void malformedHintsAreErrorsNotIgnored() {
    assertBad("/*+ shard_key=abc SELECT 1", "not closed");
    assertBad("/*+ index(t) */ SELECT 1", "only hint is shard_key");
    assertBad("/*+ shard_key abc */ SELECT 1", "expected '='");
    assertBad("/*+ shard_key= */ SELECT 1", "missing");
    assertBad("/*+ shard_key='abc */ SELECT 1", "not closed");
    assertBad("/*+ shard_key=a b */ SELECT 1", "unexpected text");
    assertBad("/*+ shard_key=a */  ", "no SQL after the hint");
  }

  @Test
  void kindsFollowTheFirstKeyword() {
    assertThat(SqlText.kind("with x as (select 1) select * from x")).isEqualTo(SqlText.Kind.READ);
    // After a WITH clause, its verb decides.
    assertThat(SqlText.kind("with x(a) as (select 1) insert into t select a from x")).isEqualTo(SqlText.Kind.WRITE);
    assertThat(SqlText.kind("WITH x AS (SELECT 'select') UPDATE t SET a = 1")).isEqualTo(SqlText.Kind.WRITE);
    assertThat(SqlText.kind("(SELECT 1)")).isEqualTo(SqlText.Kind.READ);
    assertThat(SqlText.kind("VALUES (1)")).isEqualTo(SqlText.Kind.READ);
    assertThat(SqlText.kind("-- note\nEXPLAIN SELECT 1")).isEqualTo(SqlText.Kind.READ);
    assertThat(SqlText.kind("create table t(x)")).isEqualTo(SqlText.Kind.DDL);
    assertThat(SqlText.kind("/* c */ DROP INDEX i")).isEqualTo(SqlText.Kind.DDL);
    assertThat(SqlText.kind("ALTER TABLE t ADD COLUMN y")).isEqualTo(SqlText.Kind.DDL);
    assertThat(SqlText.kind("INSERT INTO t VALUES (1)")).isEqualTo(SqlText.Kind.WRITE);
    assertThat(SqlText.kind("REPLACE INTO t VALUES (1)")).isEqualTo(SqlText.Kind.WRITE);
    assertThat(SqlText.mayReturnRows("INSERT INTO t VALUES (1) returning id")).isTrue();
  }

  private static void assertBad(String sql, String why) {
    assertThatThrownBy(() -> SqlText.parse(sql)).isInstanceOf(SQLSyntaxErrorException.class)
        .hasMessageContaining(why).hasMessageContaining("/*+ shard_key=abc */");
  }
}
