package io.shardlite.common.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.sql.SqlTokens.Kind;
import io.shardlite.common.sql.SqlTokens.Token;
import io.shardlite.proto.ErrorCode;
import org.junit.jupiter.api.Test;

class SqlTokensTest {
  private static String verb(String sql) {
    return SqlTokens.verb(SqlTokens.tokenize(sql));
  }

  @Test
  void theVerbIsTheFirstWord() {
    assertThat(verb("  -- note\n/* block */ select 1")).isEqualTo("SELECT");
    assertThat(verb("insert into t values (1)")).isEqualTo("INSERT");
    assertThat(verb("CREATE INDEX i ON t(a)")).isEqualTo("CREATE");
    assertThat(verb("(SELECT 1)")).isNull();
    assertThat(verb("")).isNull();
  }

  @Test
  void afterAWithClauseTheVerbFollowsTheCommonTableExpressions() {
    assertThat(verb("WITH x AS (SELECT 1 AS a) SELECT a FROM x")).isEqualTo("SELECT");
    assertThat(verb("WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x")).isEqualTo("INSERT");
    assertThat(verb("with x(a) as (values (1)) update t set a = 2 where a in x")).isEqualTo("UPDATE");
    assertThat(verb("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3),"
        + " d AS MATERIALIZED (SELECT 'delete') DELETE FROM t WHERE a IN c")).isEqualTo("DELETE");
    // Words inside the expressions, quoted names and literals do not count.
    assertThat(verb("WITH \"insert\" AS (SELECT 'update' AS \"delete\") VALUES (1)")).isEqualTo("VALUES");
    assertThat(verb("WITH x AS (SELECT 1)")).isNull();
  }

  @Test
  void literalsIdentifiersAndParametersAreTokens() {
    assertThat(SqlTokens.tokenize("SELECT 'it''s', \"a b\", [c], x'00', :p, ?2 -- done"))
        .extracting(Token::kind)
        .containsExactly(Kind.WORD, Kind.STRING, Kind.OTHER, Kind.QUOTED_ID, Kind.OTHER, Kind.QUOTED_ID, Kind.OTHER,
            Kind.BLOB, Kind.OTHER, Kind.PARAMETER, Kind.OTHER, Kind.PARAMETER);
    assertThat(SqlTokens.tokenize("SELECT 'it''s'").get(1).text()).isEqualTo("it's");
  }

  @Test
  void anUnterminatedLiteralIsMalformed() {
    assertThatThrownBy(() -> SqlTokens.tokenize("SELECT 'open"))
        .isInstanceOfSatisfying(ShardliteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_REQUEST))
        .hasMessageContaining("unterminated string literal");
  }
}
