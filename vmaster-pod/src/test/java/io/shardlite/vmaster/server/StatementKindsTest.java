package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.sql.StatementRoute;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatementKindsTest {

  @Test
  void theVerbDecidesSkippingSpaceCommentsAndParentheses() {
    assertThat(StatementRoute.of("  select 1")).isEqualTo(StatementRoute.READ);
    assertThat(StatementRoute.of("-- note\n/* block */ (SELECT 1)")).isEqualTo(StatementRoute.READ);
    assertThat(StatementRoute.of("WITH t AS (SELECT 1) SELECT * FROM t")).isEqualTo(StatementRoute.READ);
    assertThat(StatementRoute.of("WITH t(a) AS (SELECT 1) INSERT INTO kv SELECT a FROM t")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("with t as (select 'select') delete from kv where k in t")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("SELECT 'unterminated")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("insert into t values (1)")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("UPDATE t SET v = 1")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("create index i on t(v)")).isEqualTo(StatementRoute.DDL);
    assertThat(StatementRoute.of("DROP TABLE t")).isEqualTo(StatementRoute.DDL);
    assertThat(StatementRoute.of("/* unterminated")).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementRoute.of("")).isEqualTo(StatementRoute.WRITE);
  }

  @Test
  void aTransactionIsAReadOrDdlOnlyIfEveryStatementIs() {
    assertThat(StatementKinds.ofAll(List.of("SELECT 1", "SELECT 2"))).isEqualTo(StatementRoute.READ);
    assertThat(StatementKinds.ofAll(List.of("SELECT 1", "DELETE FROM t"))).isEqualTo(StatementRoute.WRITE);
    assertThat(StatementKinds.ofAll(List.of("CREATE TABLE a(x)", "CREATE INDEX i ON a(x)"))).isEqualTo(StatementRoute.DDL);
    assertThat(StatementKinds.ofAll(List.of("CREATE TABLE a(x)", "INSERT INTO a VALUES (1)"))).isEqualTo(StatementRoute.WRITE);
  }
}
