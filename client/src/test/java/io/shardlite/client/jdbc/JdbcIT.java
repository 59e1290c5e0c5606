package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.client.SmallCluster;
import io.shardlite.common.routing.ShardKeys;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The JDBC driver against a real local cluster (a 1-replica sequencer, 3 shard servers with
 * replication factor 3, 2 virtual masters, 4 shards; child processes, kept small for time): DriverManager connections, DDL on every shard, prepared inserts
 * and queries placed by hints, constraint violations that change nothing, and atomic multi-shard
 * transactions through manual commit and through the unwrap API.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JdbcIT {
  private static final int SHARDS = SmallCluster.SHARDS;
  private static SmallCluster cluster;
  private static String url;

  @BeforeAll
  static void start() throws IOException {
    cluster = SmallCluster.start("jdbc", List.of("--drain-timeout-ms", "1000"));
    url = "jdbc:shardlite://" + String.join(",", cluster.vms.endpoints()) + "/?timeoutMillis=20000";
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** {@code n} keys starting with {@code prefix}, each on a different shard. */
  private static List<String> keysOnDistinctShards(String prefix, int n) {
    List<String> keys = new ArrayList<>();
    Set<Integer> shards = new HashSet<>();
    for (int i = 0; keys.size() < n; i++) {
      String k = prefix + i;
      if (shards.add(ShardKeys.shardOf(k, SHARDS))) {
        keys.add(k);
      }
    }
    return keys;
  }

  private static long count(Connection c, String key, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("/*+ shard_key='" + key.replace("'", "''") + "' */ " + sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  @Test
  @Order(1)
  void createInsertAndQueryBackThroughDriverManager() throws SQLException {
    Properties props = new Properties();
    props.setProperty("shardKey", "people");
    try (Connection c = DriverManager.getConnection(url, props)) {
      assertThat(c).isInstanceOf(ShardliteConnection.class);
      try (Statement st = c.createStatement()) {
        assertThat(st.executeUpdate("CREATE TABLE IF NOT EXISTS people(id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            + "score REAL, photo BLOB, active INTEGER)")).isZero();
        st.executeUpdate("CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, balance INTEGER NOT NULL "
            + "CHECK (balance >= 0))");
      }
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO people VALUES (?, ?, ?, ?, ?)")) {
        for (int i = 1; i <= 5; i++) {
          ins.setLong(1, i);
          ins.setString(2, "person " + i);
          if (i % 2 == 0) {
            ins.setNull(3, java.sql.Types.REAL);
          } else {
            ins.setDouble(3, i * 1.5);
          }
          ins.setBytes(4, new byte[] {(byte) i, 0, (byte) 255});
          ins.setBoolean(5, i != 3);
          assertThat(ins.executeUpdate()).isEqualTo(1);
          try (ResultSet keys = ins.getGeneratedKeys()) {
            assertThat(keys.next()).isTrue();
            assertThat(keys.getLong(1)).isEqualTo(i);
          }
        }
      }
      try (PreparedStatement q = c.prepareStatement("SELECT id, name, score, photo, active FROM people WHERE id <= ? "
          + "ORDER BY id")) {
        q.setInt(1, 4);
        try (ResultSet rs = q.executeQuery()) {
          List<String> names = new ArrayList<>();
          while (rs.next()) {
            int id = rs.getInt("id");
            names.add(rs.getString("name"));
            if (id % 2 == 0) {
              assertThat(rs.getObject("score")).isNull();
              assertThat(rs.wasNull()).isTrue();
            } else {
              assertThat(rs.getObject("score")).isEqualTo(id * 1.5);
            }
            assertThat(rs.getBytes("photo")).containsExactly(id, 0, 255);
            assertThat(rs.getBoolean("active")).isEqualTo(id != 3);
            assertThat(rs.getObject("id")).isEqualTo((long) id);
          }
          assertThat(names).containsExactly("person 1", "person 2", "person 3", "person 4");
        }
      }
      // The table exists on every shard (DDL ran everywhere); another key's shard has no rows yet.
      for (String k : keysOnDistinctShards("elsewhere-", SHARDS)) {
        long expected = ShardKeys.shardOf(k, SHARDS) == ShardKeys.shardOf("people", SHARDS) ? 5 : 0;
        assertThat(count(c, k, "SELECT count(*) FROM people")).as("key %s", k).isEqualTo(expected);
      }
      assertThatThrownBy(() -> c.createStatement().execute("SELEC 1"))
          .isInstanceOf(java.sql.SQLSyntaxErrorException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42000"))
          .hasMessageContaining("SQL_ERROR");
    }
  }

  @Test
  @Order(2)
  void aConstraintViolationIsClass23AndChangesNothing() throws SQLException {
    try (Connection c = DriverManager.getConnection(url + "&shardKey=people")) {
      PreparedStatement ins = c.prepareStatement("INSERT INTO people(id, name) VALUES (?, ?)");
      ins.setInt(1, 1);
      ins.setString(2, "duplicate");
      assertThatThrownBy(ins::executeUpdate).isInstanceOf(java.sql.SQLIntegrityConstraintViolationException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("23"))
          .hasMessageContaining("CONSTRAINT_VIOLATION");
      assertThatThrownBy(() -> c.createStatement().executeUpdate("INSERT INTO people(id) VALUES (99)"))
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23502"));

      // A batch (one transaction) whose last statement fails leaves no trace of the others.
      ins.setInt(1, 100);
      ins.setString(2, "new");
      ins.addBatch();
      ins.setInt(1, 101);
      ins.setString(2, "new too");
      ins.addBatch();
      ins.setInt(1, 2);
      ins.setString(2, "duplicate");
      ins.addBatch();
      assertThatThrownBy(ins::executeBatch).isInstanceOf(java.sql.BatchUpdateException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
      assertThat(count(c, "people", "SELECT count(*) FROM people WHERE id >= 100")).isZero();

      // Manual commit across shards: one part fails its CHECK, so neither part is applied.
      List<String> keys = keysOnDistinctShards("acct-", 2);
      try (Statement st = c.createStatement()) {
        for (String k : keys) {
          st.executeUpdate("/*+ shard_key=" + k + " */ INSERT INTO accounts VALUES ('" + k + "', 100)");
        }
      }
      c.setAutoCommit(false);
      PreparedStatement move = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?");
      c.unwrap(ShardliteConnection.class).setShardKey(keys.get(0));
      move.setInt(1, 500);
      move.setString(2, keys.get(0));
      assertThat(move.executeUpdate()).isZero(); // buffered
      c.unwrap(ShardliteConnection.class).setShardKey(keys.get(1));
      move.setInt(1, -500);
      move.setString(2, keys.get(1));
      move.executeUpdate();
      assertThatThrownBy(c::commit).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23514"));
      c.setAutoCommit(true);
      for (String k : keys) {
        assertThat(count(c, k, "SELECT balance FROM accounts WHERE id = ?", k)).as("account %s", k).isEqualTo(100);
      }

      // The same transfer within bounds commits on both shards at once.
      c.setAutoCommit(false);
      c.unwrap(ShardliteConnection.class).setShardKey(keys.get(0));
      move.setInt(1, 30);
      move.setString(2, keys.get(0));
      move.executeUpdate();
      c.unwrap(ShardliteConnection.class).setShardKey(keys.get(1));
      move.setInt(1, -30);
      move.setString(2, keys.get(1));
      move.executeUpdate();
      c.commit();
      TransactionResult done = c.unwrap(ShardliteConnection.class).lastCommitResult();
      assertThat(done.updateCount(0)).isEqualTo(1);
      assertThat(done.updateCount(1)).isEqualTo(1);
      assertThat(done.globalLsn()).isPositive();
      c.setAutoCommit(true);
      assertThat(count(c, keys.get(0), "SELECT balance FROM accounts WHERE id = ?", keys.get(0))).isEqualTo(130);
      assertThat(count(c, keys.get(1), "SELECT balance FROM accounts WHERE id = ?", keys.get(1))).isEqualTo(70);
    }
  }

  @Test
  @Order(3)
  void multiShardTransactionsThroughTheUnwrapApiAreAtomic() throws SQLException {
    try (Connection c = DriverManager.getConnection(url)) {
      ShardliteConnection sl = c.unwrap(ShardliteConnection.class);
      List<String> keys = keysOnDistinctShards("bank-", 4);
      ShardliteTransaction open = sl.transaction();
      for (String k : keys) {
        open.add(k, "INSERT INTO accounts VALUES (?, ?)", k, 100);
      }
      TransactionResult opened = open.execute();
      assertThat(opened.size()).isEqualTo(4);
      assertThat(opened.globalLsn()).isPositive();

      // Transfer and read in the same transaction, over three shards.
      TransactionResult r = sl.transaction()
          .add(keys.get(0), "UPDATE accounts SET balance = balance - ? WHERE id = ?", 40, keys.get(0))
          .add(keys.get(1), "UPDATE accounts SET balance = balance + ? WHERE id = ?", 25, keys.get(1))
          .add(keys.get(2), "UPDATE accounts SET balance = balance + ? WHERE id = ?", 15, keys.get(2))
          .add(keys.get(0), "SELECT balance FROM accounts WHERE id = ?", keys.get(0))
          .execute();
      assertThat(r.updateCount(0)).isEqualTo(1);
      try (ResultSet rs = r.resultSet(3)) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(60);
      }

      // Overdrawing one account aborts the whole transaction on every shard.
      ShardliteTransaction bad = sl.transaction()
          .add(keys.get(3), "UPDATE accounts SET balance = balance + 1000 WHERE id = ?", keys.get(3))
          .add(keys.get(1), "UPDATE accounts SET balance = balance - 1000 WHERE id = ?", keys.get(1));
      assertThatThrownBy(bad::execute).isInstanceOf(java.sql.SQLIntegrityConstraintViolationException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23514"))
          .hasMessageContaining("at statement 1");

      // One consistent multi-shard read of every account: the total is unchanged.
      ShardliteTransaction total = sl.transaction();
      for (String k : keys) {
        total.add(k, "SELECT balance FROM accounts WHERE id = ?", k);
      }
      TransactionResult balances = total.execute();
      long sum = 0;
      List<Long> each = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        try (ResultSet rs = balances.resultSet(i)) {
          assertThat(rs.next()).isTrue();
          each.add(rs.getLong(1));
          sum += rs.getLong(1);
        }
      }
      assertThat(each).containsExactly(60L, 125L, 115L, 100L);
      assertThat(sum).isEqualTo(400);
    }
  }

  @Test
  @Order(4)
  void anAddressWithoutAServerFailsAtConnectWith08001() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String nowhere = "jdbc:shardlite://127.0.0.1:" + port + "/?timeoutMillis=500";
    assertThatThrownBy(() -> DriverManager.getConnection(nowhere))
        .isInstanceOf(java.sql.SQLNonTransientConnectionException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"))
        .hasMessageContaining("127.0.0.1:" + port);
  }
}
