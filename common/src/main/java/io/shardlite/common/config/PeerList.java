package io.shardlite.common.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --peers} flag of the Raft servers: {@code id=host:port,...}, in the given order. */
public final class PeerList {
  private PeerList() {}

  /**
   * @throws IllegalArgumentException for an entry that is not {@code id=host:port} or a repeated id
   */
  public static Map<String, String> parse(String spec) {
    Map<String, String> peers = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return peers;
    }
    for (String part : spec.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1 || p.indexOf(':', eq) < 0) {
        throw new IllegalArgumentException("peer '" + p + "' is not of the form id=host:port");
      }
      if (peers.put(p.substring(0, eq), p.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("peer id '" + p.substring(0, eq) + "' appears twice");
      }
    }
    return peers;
  }

  public static String format(Map<String, String> peers) {
    StringBuilder sb = new StringBuilder();
    peers.forEach((id, addr) -> sb.append(sb.length() == 0 ? "" : ",").append(id).append('=').append(addr));
    return sb.toString();
  }
}
