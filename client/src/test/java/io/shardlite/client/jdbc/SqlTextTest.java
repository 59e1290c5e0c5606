package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.common.sql.StatementRoute;
import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import org.junit.jupiter.api.Test;

class SqlTextTest {
  @Test
  void noHint() throws SQLException {
    SqlText.Parsed p = SqlText.parse("SELECT 1");
    assertThat(p.shardKey()).isNull();
    assertThat(p.sql()).isEqualTo("SELECT 1");
    assertThat(p.kind()).isEqualTo(StatementRoute.READ);
  }

  @Test
  void bareKeyHintIsReadAndRemoved() throws SQLException {
    SqlText.Parsed p = SqlText.parse("  /*+ shard_key=abc */ SELECT * FROM t");
    assertThat(p.shardKey()).isEqualTo("abc");
    assertThat(p.sql()).isEqualTo(" SELECT * FROM t");
    assertThat(p.kind()).isEqualTo(StatementRoute.READ);
  }

  @Test
  void spacingCaseAndQuotedKeys() throws SQLException {
    assertThat(SqlText.parse("/*+SHARD_KEY = user:7*/UPDATE t SET v = 1").shardKey()).isEqualTo("user:7");
    assertThat(SqlText.parse("/*+ shard_key='a key with '' and ' */ DELETE FROM t").shardKey()).isEqualTo("a key with ' and ");
    assertThat(SqlText.parse("/*+ shard_key='' */ INSERT INTO t VALUES (1)").shardKey()).isEmpty();
    assertThat(SqlText.parse("/*+ shard_key=k */\nINSERT INTO t VALUES (1)").kind()).isEqualTo(StatementRoute.WRITE);
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
    assertThat(StatementRoute.of("with x as (select 1) select * from x")).isEqualTo(StatementRoute.READ);
    // After a WITH clause, its verb decides.
    assertThat(StatementRoute.of("with x(a) as (select 1) insert into t select a from x")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("WITH x AS (SELECT 'select') UPDATE t SET a = 1")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("(SELECT 1)")).isEqualTo(StatementRoute.READ);
    assertThat(StatementRoute.of("VALUES (1)")).isEqualTo(StatementRoute.READ);
    assertThat(StatementRoute.of("-- note\nEXPLAIN SELECT 1")).isEqualTo(StatementRoute.READ);
    assertThat(StatementRoute.of("create table t(x)")).isEqualTo(StatementRoute.DDL);
    assertThat(StatementRoute.of("/* c */ DROP INDEX i")).isEqualTo(StatementRoute.DDL);
    assertThat(StatementRoute.of("ALTER TABLE t ADD COLUMN y")).isEqualTo(StatementRoute.DDL);
    assertThat(StatementRoute.of("INSERT INTO t VALUES (1)")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("REPLACE INTO t VALUES (1)")).isEqualTo(StatementRoute.WRITE);
    assertThat(SqlText.mayReturnRows("INSERT INTO t VALUES (1) returning id")).isTrue();
  }

  private static void assertBad(String sql, String why) {
    assertThatThrownBy(() -> SqlText.parse(sql)).isInstanceOf(SQLSyntaxErrorException.class)
        .hasMessageContaining(why).hasMessageContaining("/*+ shard_key=abc */");
  }
}
