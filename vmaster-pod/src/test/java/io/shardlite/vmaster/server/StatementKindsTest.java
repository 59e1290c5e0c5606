package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.vmaster.server.StatementKinds.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatementKindsTest {

  @Test
  void theVerbDecidesSkippingSpaceCommentsAndParentheses() {
    assertThat(StatementKinds.of("  select 1")).isEqualTo(Kind.READ);
    assertThat(StatementKinds.of("-- note\n/* block */ (SELECT 1)")).isEqualTo(Kind.READ);
    assertThat(StatementKinds.of("WITH t AS (SELECT 1) SELECT * FROM t")).isEqualTo(Kind.READ);
    assertThat(StatementKinds.of("WITH t(a) AS (SELECT 1) INSERT INTO kv SELECT a FROM t")).isEqualTo(Kind.WRITE);
    assertThat(StatementKinds.of("with t as (select 'select') delete from kv where k in t")).isEqualTo(Kind.WRITE);
    assertThat(StatementKinds.of("SELECT 'unterminated")).isEqualTo(Kind.WRITE);
    assertThat(StatementKinds.of("insert into t values (1)")).isEqualTo(Kind.WRITE);
    assertThat(StatementKinds.of("UPDATE t SET v = 1")).isEqualTo(Kind.WRITE);
    assertThat(StatementKinds.of("create index i on t(v)")).isEqualTo(Kind.DDL);
    assertThat(StatementKinds.of("DROP TABLE t")).isEqualTo(Kind.DDL);
    assertThat(StatementKinds.of("/* unterminated")).isEqualTo(Kind.WRITE);
    assertThat(StatementKinds.of("")).isEqualTo(Kind.WRITE);
  }

  @Test
  void aTransactionIsAReadOrDdlOnlyIfEveryStatementIs() {
    assertThat(StatementKinds.ofAll(List.of("SELECT 1", "SELECT 2"))).isEqualTo(Kind.READ);
    assertThat(StatementKinds.ofAll(List.of("SELECT 1", "DELETE FROM t"))).isEqualTo(Kind.WRITE);
    assertThat(StatementKinds.ofAll(List.of("CREATE TABLE a(x)", "CREATE INDEX i ON a(x)"))).isEqualTo(Kind.DDL);
    assertThat(StatementKinds.ofAll(List.of("CREATE TABLE a(x)", "INSERT INTO a VALUES (1)"))).isEqualTo(Kind.WRITE);
  }
}
