package io.shardlite.client.cli;

import io.shardlite.common.shard.ShardNodeClient;
import java.time.Duration;

/** Parses host:port endpoints given on the command line. */
final class Endpoints {
  private Endpoints() {}

  static ShardNodeClient connect(String endpoint, Duration deadline) {
    int colon = endpoint.lastIndexOf(':');
    if (colon <= 0 || colon == endpoint.length() - 1) {
      throw new IllegalArgumentException("endpoint '" + endpoint + "' is not host:port");
    }
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint '" + endpoint + "' has no numeric port");
    }
    return new ShardNodeClient(endpoint.substring(0, colon), port, deadline);
  }
}
