package io.shardlite.client.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * Plain SQLite through sqlite-jdbc in this JVM: one writer, one connection, WAL journal, one
 * 100-byte TEXT row per transaction, commits/s and exact commit-latency percentiles. The same
 * method as the team's peer baseline ({@code ../shared/peers/sqlite.sh}, Java part): a fresh file
 * per run, a 1 s JIT warm-up run that is not reported, then the measured run.
 */
public final class SqliteBaseline {
  private static final String ROW = "v".repeat(100);

  private SqliteBaseline() {}

  /** The SQLite library version sqlite-jdbc loaded. */
  public static String sqliteVersion() {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
        ResultSet rs = c.createStatement().executeQuery("select sqlite_version()")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** The sqlite-jdbc driver version. */
  public static String driverVersion() {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
      return c.getMetaData().getDriverVersion();
    } catch (SQLException e) {
      return "unknown";
    }
  }

  /**
   * @param dir a fresh directory on the disk under test
   * @param synchronous FULL or NORMAL (or OFF)
   */
  public static BenchReport.BaselineRun run(Path dir, String synchronous, double seconds) throws Exception {
    measure(dir, synchronous, 1.0); // JIT warm-up, not reported (as sqlite.sh does)
    return measure(dir, synchronous, seconds);
  }

  private static BenchReport.BaselineRun measure(Path dir, String synchronous, double seconds) throws Exception {
    Path p = dir.resolve("wal_" + synchronous.toLowerCase(java.util.Locale.ROOT) + ".db");
    for (String s : new String[] {"", "-wal", "-shm", "-journal"}) {
      Files.deleteIfExists(Path.of(p + s));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p)) {
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=" + synchronous);
        st.execute("CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO kv(v) VALUES (?)")) {
        long[] lat = new long[1 << 16];
        int n = 0;
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
          long x = System.nanoTime();
          ins.setString(1, ROW);
          ins.executeUpdate();
          c.commit(); // autocommit off: BEGIN is implicit (deferred)
          if (n == lat.length) {
            lat = Arrays.copyOf(lat, n * 2);
          }
          lat[n++] = System.nanoTime() - x;
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double[] l = BenchReport.latencySummaryMillis(Arrays.copyOf(lat, n));
        return new BenchReport.BaselineRun(synchronous.toUpperCase(java.util.Locale.ROOT), elapsed, n,
            BenchReport.rate(n, elapsed), l[0], l[1]);
      }
    } finally {
      for (String s : new String[] {"", "-wal", "-shm", "-journal"}) {
        Files.deleteIfExists(Path.of(p + s));
      }
    }
  }
}
