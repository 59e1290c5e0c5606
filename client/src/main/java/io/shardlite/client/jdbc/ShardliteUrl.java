package io.shardlite.client.jdbc;

import io.shardlite.proto.Consistency;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A parsed {@code jdbc:shardlite://host:port[,host:port...]/[?key=value&...]} URL merged with
 * connection properties (a property wins over the URL parameter of the same name).
 *
 * <p>Parameters: {@code shardKey} (default shard key of statements without a hint),
 * {@code consistency} ({@code linearizable}, the default, or {@code follower}: read-only
 * transactions served by any replica within {@code maxLagMillis}), {@code maxLagMillis} (default
 * 1000), {@code timeoutMillis} (deadline of one transaction, retries included; default 10000).
 * An unknown URL parameter is an error (typos should not pass silently); unknown properties are
 * ignored, since tools pass {@code user}, {@code password} and the like.
 */
public record ShardliteUrl(List<String> endpoints, String shardKey, Consistency consistency, long maxLagMillis,
    long timeoutMillis) {
  public static final String PREFIX = "jdbc:shardlite://";
  public static final String SHARD_KEY = "shardKey";
  public static final String CONSISTENCY = "consistency";
  public static final String MAX_LAG_MILLIS = "maxLagMillis";
  public static final String TIMEOUT_MILLIS = "timeoutMillis";
  static final Set<String> KEYS = Set.of(SHARD_KEY, CONSISTENCY, MAX_LAG_MILLIS, TIMEOUT_MILLIS);
  static final long DEFAULT_MAX_LAG_MILLIS = 1000;
  static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

  public ShardliteUrl {
    endpoints = List.copyOf(endpoints);
  }

  public static boolean accepts(String url) {
    return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
  }

  public static ShardliteUrl parse(String url, Properties info) throws SQLException {
    if (!accepts(url)) {
      throw bad(url, "it must start with " + PREFIX);
    }
    String rest = url.substring(PREFIX.length());
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int slash = rest.indexOf('/');
    String hosts = slash >= 0 ? rest.substring(0, slash) : rest;
    if (slash >= 0 && !rest.substring(slash + 1).isEmpty()) {
      throw bad(url, "shardlite has no database names: nothing may follow the '/' except ?parameters");
    }
    List<String> endpoints = new ArrayList<>();
    for (String h : hosts.split(",")) {
      String e = h.trim();
      if (e.isEmpty()) {
        continue;
      }
      int colon = e.lastIndexOf(':');
      if (colon <= 0 || colon == e.length() - 1) {
        throw bad(url, "endpoint '" + e + "' is not host:port");
      }
      try {
        int port = Integer.parseInt(e.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw bad(url, "port " + port + " of '" + e + "' is out of range");
        }
      } catch (NumberFormatException x) {
        throw bad(url, "port of '" + e + "' is not a number");
      }
      endpoints.add(e);
    }
    if (endpoints.isEmpty()) {
      throw bad(url, "at least one virtual master host:port is required");
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!KEYS.contains(k)) {
        throw bad(url, "unknown parameter '" + k + "' (known: " + String.join(", ", List.of(SHARD_KEY, CONSISTENCY,
            MAX_LAG_MILLIS, TIMEOUT_MILLIS)) + ")");
      }
      params.put(k, v);
    }
    if (info != null) {
      for (String k : KEYS) {
        String v = info.getProperty(k);
        if (v != null) {
          params.put(k, v);
        }
      }
    }
    String shardKey = params.get(SHARD_KEY);
    Consistency consistency = Consistency.LINEARIZABLE;
    String c = params.get(CONSISTENCY);
    if (c != null) {
      switch (c.trim().toLowerCase(Locale.ROOT)) {
        case "linearizable" -> consistency = Consistency.LINEARIZABLE;
        case "follower" -> consistency = Consistency.FOLLOWER;
        default -> throw bad(url, "consistency must be 'linearizable' or 'follower', not '" + c + "'");
      }
    }
    long maxLag = millis(url, params, MAX_LAG_MILLIS, DEFAULT_MAX_LAG_MILLIS);
    long timeout = millis(url, params, TIMEOUT_MILLIS, DEFAULT_TIMEOUT_MILLIS);
    if (timeout == 0) {
      throw bad(url, TIMEOUT_MILLIS + " must be positive");
    }
    return new ShardliteUrl(endpoints, shardKey, consistency, maxLag, timeout);
  }

  private static long millis(String url, Map<String, String> params, String key, long dflt) throws SQLException {
    String v = params.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      long m = Long.parseLong(v.trim());
      if (m < 0) {
        throw bad(url, key + " must not be negative, got " + m);
      }
      return m;
    } catch (NumberFormatException e) {
      throw bad(url, key + " must be a number of milliseconds, not '" + v + "'");
    }
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static SQLException bad(String url, String why) {
    return new SQLNonTransientConnectionException("invalid shardlite URL '" + url + "': " + why
        + " (form: jdbc:shardlite://host:port[,host:port...]/[?shardKey=...&consistency=linearizable|follower"
        + "&maxLagMillis=...&timeoutMillis=...])", "08001");
  }
}
