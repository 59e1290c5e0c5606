package io.shardlite.client.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The cluster benchmark's operations on plain SQLite in this JVM: one connection (one writer),
 * WAL, synchronous=FULL; each operation one transaction, latencies exact.
 */
public final class SqliteWorkloads {
  private SqliteWorkloads() {}

  public static ClusterBench.Run ycsbA(Path dir, int records, double warmupSeconds, double seconds) throws Exception {
    try (Connection c = open(dir, "ycsb")) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE usertable(k TEXT PRIMARY KEY, v TEXT NOT NULL)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO usertable VALUES (?, ?)")) {
        for (int i = 0; i < records; i++) {
          ins.setString(1, ClusterBench.record(i));
          ins.setString(2, "v".repeat(100));
          ins.executeUpdate();
        }
      }
      c.commit();
      try (PreparedStatement read = c.prepareStatement("SELECT v FROM usertable WHERE k = ?");
          PreparedStatement update = c.prepareStatement("UPDATE usertable SET v = ? WHERE k = ?")) {
        String value = "u".repeat(100);
        return loop("ycsb-a-uniform", warmupSeconds, seconds, random -> {
          String key = ClusterBench.record(random.nextInt(records));
          if (random.nextBoolean()) {
            read.setString(1, key);
            try (ResultSet rs = read.executeQuery()) {
              rs.next();
            }
          } else {
            update.setString(1, value);
            update.setString(2, key);
            update.executeUpdate();
          }
          c.commit();
        });
      }
    }
  }

  public static ClusterBench.Run transfers(Path dir, int accounts, double warmupSeconds, double seconds) throws Exception {
    try (Connection c = open(dir, "bank")) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE accounts(id TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO accounts VALUES (?, 1000000)")) {
        for (int a = 0; a < accounts; a++) {
          ins.setString(1, ClusterBench.account(a));
          ins.executeUpdate();
        }
      }
      c.commit();
      try (PreparedStatement debit = c.prepareStatement("UPDATE accounts SET balance = balance - 1 WHERE id = ?");
          PreparedStatement credit = c.prepareStatement("UPDATE accounts SET balance = balance + 1 WHERE id = ?")) {
        return loop("transfer", warmupSeconds, seconds, random -> {
          int from = random.nextInt(accounts);
          int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
          debit.setString(1, ClusterBench.account(from));
          debit.executeUpdate();
          credit.setString(1, ClusterBench.account(to));
          credit.executeUpdate();
          c.commit();
        });
      }
    }
  }

  interface Op {
    void run(SplittableRandom random) throws Exception;
  }

  private static ClusterBench.Run loop(String name, double warmupSeconds, double seconds, Op op) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    while (System.nanoTime() < warmEnd) {
      op.run(random);
    }
    long[] lat = new long[1 << 22];
    int n = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start;
    while ((start = System.nanoTime()) < end && n < lat.length) {
      op.run(random);
      lat[n++] = System.nanoTime() - start;
    }
    long[] sorted = Arrays.copyOf(lat, n);
    Arrays.sort(sorted);
    return new ClusterBench.Run("sqlite-" + name, 1, seconds, n, 0, 0, n / seconds,
        BenchReport.percentile(sorted, 0.50) / 1e6, BenchReport.percentile(sorted, 0.99) / 1e6,
        BenchReport.percentile(sorted, 0.999) / 1e6);
  }

  private static Connection open(Path dir, String name) throws Exception {
    Files.createDirectories(dir);
    Path file = dir.resolve(name + ".db");
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=FULL");
    }
    return c;
  }
}
