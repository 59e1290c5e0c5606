package io.shardlite.client.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The shardlite JDBC driver: {@code jdbc:shardlite://host:port[,host:port...]/[?shardKey=...
 * &consistency=linearizable|follower&maxLagMillis=...&timeoutMillis=...]} (see
 * {@link ShardliteUrl}; properties override URL parameters). Registered with
 * {@link DriverManager} through {@code META-INF/services/java.sql.Driver}.
 *
 * <p>Opening a connection checks that a virtual master answers (one {@code SELECT 1} read), so a
 * wrong address fails at {@code getConnection} with SQLState 08001 rather than at the first
 * statement. Each connection has its own client (channels to every endpoint).
 */
public final class ShardliteDriver implements Driver {
  static final int MAJOR = 0;
  static final int MINOR = 1;

  static {
    try {
      DriverManager.registerDriver(new ShardliteDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Function<ShardliteUrl, TxExecutor> executors;

  public ShardliteDriver() {
    this(config -> TxExecutor.of(config.endpoints(), Duration.ofMillis(config.timeoutMillis())));
  }

  /** For tests: connections use executors from this factory instead of a real client. */
  ShardliteDriver(Function<ShardliteUrl, TxExecutor> executors) {
    this.executors = executors;
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null; // JDBC: not ours, let DriverManager try the next driver
    }
    ShardliteUrl config = ShardliteUrl.parse(url, info);
    ShardliteConnectionImpl connection = new ShardliteConnectionImpl(url, config, executors.apply(config));
    try {
      connection.ping(0);
    } catch (SQLException e) {
      connection.close();
      throw SqlStates.cannotConnect(String.join(",", config.endpoints()), e);
    }
    return connection;
  }

  @Override
  public boolean acceptsURL(String url) {
    return ShardliteUrl.accepts(url);
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
    Properties merged = new Properties();
    if (info != null) {
      merged.putAll(info);
    }
    ShardliteUrl config = acceptsURL(url) ? ShardliteUrl.parse(url, merged) : null;
    DriverPropertyInfo key = new DriverPropertyInfo(ShardliteUrl.SHARD_KEY, config == null ? null : config.shardKey());
    key.description = "shard key of statements without a /*+ shard_key=... */ hint (none: such statements are refused, "
        + "except DDL)";
    DriverPropertyInfo consistency = new DriverPropertyInfo(ShardliteUrl.CONSISTENCY,
        config == null ? "linearizable" : config.consistency().name().toLowerCase(java.util.Locale.ROOT));
    consistency.choices = new String[] {"linearizable", "follower"};
    consistency.description = "read-only transactions: linearizable (default) or follower (any replica within maxLagMillis)";
    DriverPropertyInfo lag = new DriverPropertyInfo(ShardliteUrl.MAX_LAG_MILLIS,
        String.valueOf(config == null ? ShardliteUrl.DEFAULT_MAX_LAG_MILLIS : config.maxLagMillis()));
    lag.description = "staleness bound of follower reads, in milliseconds";
    DriverPropertyInfo timeout = new DriverPropertyInfo(ShardliteUrl.TIMEOUT_MILLIS,
        String.valueOf(config == null ? ShardliteUrl.DEFAULT_TIMEOUT_MILLIS : config.timeoutMillis()));
    timeout.description = "deadline of one transaction, retries included, in milliseconds";
    return new DriverPropertyInfo[] {key, consistency, lag, timeout};
  }

  @Override
  public int getMajorVersion() {
    return MAJOR;
  }

  @Override
  public int getMinorVersion() {
    return MINOR;
  }

  /** Not a full JDBC implementation (no catalog metadata, no scrollable or updatable result sets). */
  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("the shardlite driver does not log through java.util.logging", "0A000");
  }
}
