package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.proto.Consistency;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import io.shardlite.proto.Value;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JDBC classes over a fake executor: what is sent, when, and what the caller sees. */
class ShardliteConnectionTest {
  private FakeExecutor fake;
  private Connection conn;

  @BeforeEach
  void open() throws SQLException {
    fake = new FakeExecutor();
    conn = connect("jdbc:shardlite://h1:1,h2:2/?shardKey=user-1&timeoutMillis=1500", new Properties());
  }

  private Connection connect(String url, Properties info) throws SQLException {
    return new ShardliteDriver(config -> fake).connect(url, info);
  }

  private static Value integer(long v) {
    return Value.newBuilder().setInteger(v).build();
  }

  @Test
  void connectingPingsOnceAndTheDriverIsRegistered() throws SQLException {
    assertThat(fake.requests).hasSize(1);
    assertThat(fake.last().getStatements(0).getSql()).isEqualTo("SELECT 1");
    assertThat(DriverManager.getDriver("jdbc:shardlite://h:1/")).isInstanceOf(ShardliteDriver.class);
    assertThat(new ShardliteDriver().connect("jdbc:sqlite:x.db", null)).isNull();
    assertThat(new ShardliteDriver().getPropertyInfo("jdbc:shardlite://h:1/?shardKey=k", null)[0].value).isEqualTo("k");
  }

  @Test
  void anUnreachableClusterFailsAtConnectWith08001() {
    FakeExecutor down = new FakeExecutor();
    down.answer = r -> ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.UNAVAILABLE)
        .setRetryable(true).setMessage("shard server call failed: Status{code=UNAVAILABLE, description=io exception}")
        .setStatementIndex(-1)).build();
    assertThatThrownBy(() -> new ShardliteDriver(c -> down).connect("jdbc:shardlite://h:1/", null))
        .isInstanceOf(SQLNonTransientConnectionException.class).hasMessageContaining("h:1")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
    assertThat(down.closed).isTrue();
  }

  @Test
  void autoCommitRunsEachStatementAsATransactionWithTheConnectionsSettings() throws SQLException {
    try (Statement st = conn.createStatement()) {
      assertThat(st.executeUpdate("INSERT INTO t VALUES (1)")).isEqualTo(1);
      ExecuteRequest sent = fake.last();
      assertThat(sent.getStatementsList()).containsExactly(TxStatement.newBuilder().setShardKey("user-1")
          .setSql("INSERT INTO t VALUES (1)").build());
      assertThat(sent.getTimeoutMillis()).isEqualTo(1500);
      assertThat(sent.getConsistency()).isEqualTo(Consistency.LINEARIZABLE);
      try (ResultSet keys = st.getGeneratedKeys()) {
        assertThat(keys.next()).isTrue();
        assertThat(keys.getLong(1)).isEqualTo(42);
      }
      try (ResultSet rs = st.executeQuery("/*+ shard_key=other */ SELECT 1")) {
        assertThat(fake.last().getStatements(0).getShardKey()).isEqualTo("other");
        assertThat(fake.last().getStatements(0).getSql()).isEqualTo(" SELECT 1");
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
      assertThat(st.execute("SELECT 1")).isTrue();
      assertThat(st.getUpdateCount()).isEqualTo(-1);
      assertThat(st.execute("DELETE FROM t")).isFalse();
      assertThat(st.getUpdateCount()).isEqualTo(1);
      assertThat(st.getResultSet()).isNull();
      st.setQueryTimeout(3);
      st.execute("DELETE FROM t");
      assertThat(fake.last().getTimeoutMillis()).isEqualTo(3000);
    }
  }

  @Test
  void followerConsistencyFromProperties() throws SQLException {
    Properties p = new Properties();
    p.setProperty("consistency", "follower");
    p.setProperty("maxLagMillis", "300");
    try (Connection c = connect("jdbc:shardlite://h:1/", p)) {
      c.createStatement().executeQuery("/*+ shard_key=k */ SELECT 1");
      assertThat(fake.last().getConsistency()).isEqualTo(Consistency.FOLLOWER);
      assertThat(fake.last().getMaxLagMillis()).isEqualTo(300);
    }
  }

  @Test
  void withoutAShardKeyOnlyDdlRunsAndDdlGoesToEveryShard() throws SQLException {
    try (Connection c = connect("jdbc:shardlite://h:1/", null); Statement st = c.createStatement()) {
      int before = fake.requests.size();
      assertThatThrownBy(() -> st.executeUpdate("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class)
          .hasMessageContaining("no shard key").hasMessageContaining("shardKey").hasMessageContaining("/*+ shard_key=");
      assertThatThrownBy(() -> st.executeQuery("SELECT * FROM t")).hasMessageContaining("no shard key");
      assertThat(fake.requests).hasSize(before);
      st.execute("CREATE TABLE t(x INTEGER)");
      assertThat(fake.last().getStatements(0).getShardKey()).isEmpty();
      assertThat(fake.last().hasShard()).isFalse();
      c.unwrap(ShardliteConnection.class).setShardKey("late");
      st.executeUpdate("INSERT INTO t VALUES (1)");
      assertThat(fake.last().getStatements(0).getShardKey()).isEqualTo("late");
    }
  }

  @Test
  void executeQueryAndExecuteUpdateRefuseTheWrongKindBeforeSending() throws SQLException {
    Statement st = conn.createStatement();
    int before = fake.requests.size();
    assertThatThrownBy(() -> st.executeQuery("DELETE FROM t")).hasMessageContaining("executeQuery needs");
    assertThatThrownBy(() -> st.executeUpdate("SELECT 1")).hasMessageContaining("executeUpdate cannot run a query");
    assertThat(fake.requests).hasSize(before);
  }

  @Test
  void preparedStatementsBindParameters() throws SQLException {
    PreparedStatement ps = conn.prepareStatement("/*+ shard_key=k7 */ INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    ps.setLong(1, 5);
    ps.setInt(2, 6);
    ps.setString(3, "s");
    ps.setDouble(4, 0.5);
    ps.setBytes(5, new byte[] {9});
    ps.setNull(6, java.sql.Types.VARCHAR);
    ps.setBoolean(7, true);
    ps.setObject(8, 8L);
    assertThat(ps.executeUpdate()).isEqualTo(1);
    TxStatement sent = fake.last().getStatements(0);
    assertThat(sent.getShardKey()).isEqualTo("k7");
    assertThat(sent.getParamsList()).containsExactly(integer(5), integer(6), Values.text("s"),
        Value.newBuilder().setReal(0.5).build(), Values.of(new byte[] {9}), Value.getDefaultInstance(), integer(1),
        integer(8));
    ps.clearParameters();
    ps.setLong(2, 1);
    assertThatThrownBy(ps::executeUpdate).hasMessageContaining("parameter 1 is not set")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("07001"));
    assertThatThrownBy(() -> ps.setLong(0, 1)).hasMessageContaining("out of range");
    assertThatThrownBy(() -> ps.executeUpdate("DELETE FROM t")).hasMessageContaining("runs its own SQL");
  }

  @Test
  void serverErrorsBecomeTypedExceptions() throws SQLException {
    fake.answer = r -> ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.CONSTRAINT_VIOLATION)
        .setMessage("UNIQUE constraint failed: t.x").setStatementIndex(0)).build();
    assertThatThrownBy(() -> conn.createStatement().executeUpdate("INSERT INTO t VALUES (1)"))
        .isInstanceOf(SQLIntegrityConstraintViolationException.class)
        .hasMessageContaining("CONSTRAINT_VIOLATION").hasMessageContaining("UNIQUE constraint failed");
  }

  @Test
  void batchesAreOneAtomicTransactionInAutoCommit() throws SQLException {
    PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (?)");
    for (int i = 0; i < 3; i++) {
      ps.setInt(1, i);
      ps.addBatch();
    }
    int before = fake.requests.size();
    assertThat(ps.executeBatch()).containsExactly(1, 1, 1);
    assertThat(fake.requests).hasSize(before + 1);
    assertThat(fake.last().getStatementsCount()).isEqualTo(3);
    assertThat(ps.executeBatch()).isEmpty();

    Statement st = conn.createStatement();
    assertThatThrownBy(() -> st.addBatch("SELECT 1")).hasMessageContaining("cannot hold queries");
    st.addBatch("CREATE TABLE a(x)");
    st.addBatch("INSERT INTO a VALUES (1)");
    assertThatThrownBy(st::executeBatch).isInstanceOf(BatchUpdateException.class).hasMessageContaining("cannot mix DDL");

    fake.answer = r -> ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.SQL_ERROR)
        .setMessage("no such table: b").setStatementIndex(1)).build();
    st.addBatch("INSERT INTO t VALUES (1)");
    st.addBatch("INSERT INTO b VALUES (1)");
    assertThatThrownBy(st::executeBatch).isInstanceOf(BatchUpdateException.class)
        .satisfies(e -> {
          assertThat(((BatchUpdateException) e).getSQLState()).isEqualTo("42000");
          assertThat(((BatchUpdateException) e).getUpdateCounts()).isEmpty();
        });
  }

  @Test
  void manualCommitBuffersWritesAndSendsThemAsOneTransaction() throws SQLException {
    conn.setAutoCommit(false);
    ShardliteConnection sl = conn.unwrap(ShardliteConnection.class);
    int before = fake.requests.size();
    Statement st = conn.createStatement();
    assertThat(st.executeUpdate("INSERT INTO t VALUES (1)")).isZero();
    PreparedStatement ps = conn.prepareStatement("/*+ shard_key=elsewhere */ UPDATE t SET x = ?");
    ps.setInt(1, 2);
    assertThat(ps.executeUpdate()).isZero();
    ps.setInt(1, 3);
    ps.addBatch();
    assertThat(ps.executeBatch()).containsExactly(Statement.SUCCESS_NO_INFO);
    assertThat(fake.requests).hasSize(before);
    assertThat(sl.pendingStatements()).isEqualTo(3);

    assertThatThrownBy(() -> st.executeQuery("SELECT 1")).isInstanceOf(SQLFeatureNotSupportedException.class)
        .hasMessageContaining("unwrap(ShardliteConnection.class).transaction()");
    assertThatThrownBy(() -> st.execute("CREATE TABLE x(y)")).isInstanceOf(SQLFeatureNotSupportedException.class)
        .hasMessageContaining("auto-commit on");
    assertThat(sl.pendingStatements()).isEqualTo(3);

    conn.commit();
    assertThat(fake.requests).hasSize(before + 1);
    ExecuteRequest tx = fake.last();
    assertThat(tx.getStatementsList()).extracting(TxStatement::getShardKey)
        .containsExactly("user-1", "elsewhere", "elsewhere");
    assertThat(tx.getStatements(2).getParams(0)).isEqualTo(integer(3));
    assertThat(tx.getIdempotencyKey()).isNotEmpty();
    TransactionResult result = sl.lastCommitResult();
    assertThat(result.size()).isEqualTo(3);
    assertThat(result.updateCount(0)).isEqualTo(1);
    assertThat(result.lastInsertRowid(0)).isEqualTo(42);
    assertThat(result.globalLsn()).isEqualTo(7);
    assertThat(sl.pendingStatements()).isZero();

    conn.commit(); // nothing buffered: nothing sent
    assertThat(fake.requests).hasSize(before + 1);
  }

  @Test
  void rollbackDiscardsAndAFailedCommitChangesNothingAndEmptiesTheBuffer() throws SQLException {
    conn.setAutoCommit(false);
    ShardliteConnection sl = conn.unwrap(ShardliteConnection.class);
    int before = fake.requests.size();
    conn.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
    conn.rollback();
    assertThat(sl.pendingStatements()).isZero();
    conn.commit();
    assertThat(fake.requests).hasSize(before);

    conn.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
    fake.answer = r -> ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.UNAVAILABLE)
        .setRetryable(true).setMessage("no leader").setStatementIndex(-1)).build();
    assertThatThrownBy(conn::commit).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"));
    assertThat(sl.pendingStatements()).isZero();
    assertThat(sl.lastCommitResult()).isNull();
  }

  @Test
  void switchingAutoCommitOnCommitsAndCommitInAutoCommitIsAnError() throws SQLException {
    assertThatThrownBy(conn::commit).hasMessageContaining("auto-commit mode");
    assertThatThrownBy(conn::rollback).hasMessageContaining("auto-commit mode");
    conn.setAutoCommit(false);
    conn.createStatement().executeUpdate("DELETE FROM t");
    int before = fake.requests.size();
    conn.setAutoCommit(true);
    assertThat(fake.requests).hasSize(before + 1);
    assertThat(conn.unwrap(ShardliteConnection.class).lastCommitResult().updateCount(0)).isEqualTo(1);
  }

  @Test
  void closingDiscardsTheBufferAndClosesTheClient() throws SQLException {
    conn.setAutoCommit(false);
    Statement st = conn.createStatement();
    st.executeUpdate("DELETE FROM t");
    int before = fake.requests.size();
    conn.close();
    assertThat(fake.requests).hasSize(before);
    assertThat(fake.closed).isTrue();
    assertThatThrownBy(() -> st.executeUpdate("DELETE FROM t"))
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
    assertThat(conn.isValid(1)).isFalse();
  }

  @Test
  void unwrapTransactionsCarryExplicitKeysAndRetryUnderTheSameIdempotencyKey() throws SQLException {
    ShardliteConnection sl = conn.unwrap(ShardliteConnection.class);
    assertThat(conn.isWrapperFor(ShardliteConnection.class)).isTrue();
    ShardliteTransaction tx = sl.transaction()
        .add("a", "UPDATE acct SET b = b - ? WHERE id = ?", 5, "a")
        .add("b", "UPDATE acct SET b = b + ? WHERE id = ?", 5, "b")
        .add("a", "SELECT b FROM acct WHERE id = ?", "a");
    fake.answer = r -> ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.TIMEOUT)
        .setRetryable(true).setMessage("no outcome within the deadline").setStatementIndex(-1)).build();
    assertThatThrownBy(tx::execute).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
    ExecuteRequest first = fake.last();
    assertThatThrownBy(() -> tx.add("c", "DELETE FROM acct")).hasMessageContaining("already sent");
    fake.answer = FakeExecutor::cannedReply;
    TransactionResult r = tx.execute();
    ExecuteRequest second = fake.last();
    assertThat(second.getIdempotencyKey()).isEqualTo(first.getIdempotencyKey()).isEqualTo(tx.idempotencyKey());
    assertThat(first.getAttempt()).isZero();
    assertThat(second.getAttempt()).isEqualTo(1);
    assertThat(second.getStatementsList()).extracting(TxStatement::getShardKey).containsExactly("a", "b", "a");
    assertThat(second.getStatements(0).getParamsList()).containsExactly(integer(5), Values.text("a"));
    assertThat(r.updateCount(0)).isEqualTo(1);
    try (ResultSet rs = r.resultSet(2)) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(1);
    }
    int sent = fake.requests.size();
    assertThat(tx.execute()).isSameAs(r);
    assertThat(fake.requests).hasSize(sent);
    assertThatThrownBy(() -> sl.transaction().execute()).hasMessageContaining("no statements");
    assertThatThrownBy(() -> conn.unwrap(String.class)).hasMessageContaining(ShardliteConnection.class.getName());
  }

  @Test
  void metadataIsHonest() throws SQLException {
    var md = conn.getMetaData();
    assertThat(md.getDatabaseProductName()).isEqualTo("shardlite");
    assertThat(md.supportsTransactions()).isTrue();
    assertThat(md.getDefaultTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
    assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_READ_COMMITTED)).isFalse();
    assertThat(md.supportsDataDefinitionAndDataManipulationTransactions()).isFalse();
    assertThat(md.supportsSavepoints()).isFalse();
    assertThat(md.getURL()).startsWith("jdbc:shardlite://");
    assertThatThrownBy(() -> md.getTables(null, null, "%", null)).isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThat(conn.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
    assertThatThrownBy(conn::setSavepoint).isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThatThrownBy(() -> conn.prepareCall("CALL x()")).isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThatThrownBy(() -> conn.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY))
        .isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThat(conn.isValid(1)).isTrue();
  }
}
