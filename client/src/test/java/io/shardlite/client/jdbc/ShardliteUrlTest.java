package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.proto.Consistency;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ShardliteUrlTest {
  @Test
  void defaultsWithOneEndpoint() throws SQLException {
    ShardliteUrl u = ShardliteUrl.parse("jdbc:shardlite://localhost:7201/", null);
    assertThat(u.endpoints()).containsExactly("localhost:7201");
    assertThat(u.shardKey()).isNull();
    assertThat(u.consistency()).isEqualTo(Consistency.LINEARIZABLE);
    assertThat(u.maxLagMillis()).isEqualTo(1000);
    assertThat(u.timeoutMillis()).isEqualTo(10_000);
  }

  @Test
  void severalEndpointsAndEveryParameter() throws SQLException {
    ShardliteUrl u = ShardliteUrl.parse("jdbc:shardlite://a:1, b:2,10.0.0.3:7201/?shardKey=user%2042"
        + "&consistency=FOLLOWER&maxLagMillis=250&timeoutMillis=3000", new Properties());
    assertThat(u.endpoints()).containsExactly("a:1", "b:2", "10.0.0.3:7201");
    assertThat(u.shardKey()).isEqualTo("user 42");
    assertThat(u.consistency()).isEqualTo(Consistency.FOLLOWER);
    assertThat(u.maxLagMillis()).isEqualTo(250);
    assertThat(u.timeoutMillis()).isEqualTo(3000);
  }

  @Test
  void withoutTrailingSlashAndEmptyKey() throws SQLException {
    ShardliteUrl u = ShardliteUrl.parse("jdbc:shardlite://h:9?shardKey=", null);
    assertThat(u.endpoints()).isEqualTo(List.of("h:9"));
    assertThat(u.shardKey()).isEmpty();
  }

  @Test
  void propertiesOverrideUrlParametersAndUnknownPropertiesAreIgnored() throws SQLException {
    Properties p = new Properties();
    p.setProperty("shardKey", "from-props");
    p.setProperty("timeoutMillis", "500");
    p.setProperty("user", "someone");
    ShardliteUrl u = ShardliteUrl.parse("jdbc:shardlite://h:9/?shardKey=from-url&consistency=follower", p);
    assertThat(u.shardKey()).isEqualTo("from-props");
    assertThat(u.timeoutMillis()).isEqualTo(500);
    assertThat(u.consistency()).isEqualTo(Consistency.FOLLOWER);
  }

  @Test
  void badUrlsAreConnectionErrorsThatSayWhy() {
    assertBad("jdbc:postgresql://h:1/", "must start with jdbc:shardlite://");
    assertBad("jdbc:shardlite:///", "at least one");
    assertBad("jdbc:shardlite://h/", "not host:port");
    assertBad("jdbc:shardlite://h:x/", "not a number");
    assertBad("jdbc:shardlite://h:70000/", "out of range");
    assertBad("jdbc:shardlite://h:1/db", "no database names");
    assertBad("jdbc:shardlite://h:1/?shardkey=a", "unknown parameter 'shardkey'");
    assertBad("jdbc:shardlite://h:1/?consistency=eventual", "'linearizable' or 'follower'");
    assertBad("jdbc:shardlite://h:1/?timeoutMillis=-1", "must not be negative");
    assertBad("jdbc:shardlite://h:1/?timeoutMillis=0", "must be positive");
    assertBad("jdbc:shardlite://h:1/?maxLagMillis=soon", "number of milliseconds");
  }

  @Test
  void acceptsOnlyItsPrefix() {
    assertThat(ShardliteUrl.accepts("jdbc:shardlite://h:1/")).isTrue();
    assertThat(ShardliteUrl.accepts("JDBC:SHARDLITE://h:1/")).isTrue();
    assertThat(ShardliteUrl.accepts("jdbc:sqlite:x.db")).isFalse();
    assertThat(ShardliteUrl.accepts(null)).isFalse();
  }

  private static void assertBad(String url, String why) {
    assertThatThrownBy(() -> ShardliteUrl.parse(url, null)).isInstanceOf(SQLException.class)
        .hasMessageContaining(why).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
  }
}
