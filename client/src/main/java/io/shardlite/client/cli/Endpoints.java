package io.shardlite.client.cli;

import io.grpc.ManagedChannel;
import io.shardlite.common.rpc.Channels;
import io.shardlite.common.shard.ShardNodeClient;
import java.time.Duration;

/** Parses host:port endpoints given on the command line. */
final class Endpoints {
  private Endpoints() {}

  static ShardNodeClient connect(String endpoint, Duration deadline) {
    int colon = portColon(endpoint);
    return new ShardNodeClient(endpoint.substring(0, colon), port(endpoint, colon), deadline);
  }

  /** A plain gRPC channel to the endpoint (for services without a client class of their own). */
  static ManagedChannel channel(String endpoint) {
    int colon = portColon(endpoint);
    return Channels.to(endpoint.substring(0, colon), port(endpoint, colon));
  }

  private static int portColon(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    if (colon <= 0 || colon == endpoint.length() - 1) {
      throw new IllegalArgumentException("endpoint '" + endpoint + "' is not host:port");
    }
    return colon;
  }

  private static int port(String endpoint, int colon) {
    try {
      return Integer.parseInt(endpoint.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint '" + endpoint + "' has no numeric port");
    }
  }
}
