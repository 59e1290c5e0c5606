package io.shardlite.common.shard;

/**
 * How to reach one shard server: its node id, its gRPC endpoint (data and admin API) and the Raft
 * address its peers use (needed to add it to a group). On Kubernetes: the pod name, {@code
 * <pod>.<headless service>.<namespace>.svc:7001} and {@code ...:7000}.
 */
public record ShardServerAddress(String id, String grpcHost, int grpcPort, String raftAddress) {
  public ShardServerAddress {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("a shard server needs an id");
    }
    if (grpcHost == null || grpcHost.isBlank() || grpcPort < 1 || grpcPort > 65535) {
      throw new IllegalArgumentException("shard server " + id + ": bad gRPC endpoint " + grpcHost + ":" + grpcPort);
    }
    if (raftAddress == null || !validHostPort(raftAddress)) {
      throw new IllegalArgumentException("shard server " + id + ": Raft address '" + raftAddress + "' is not host:port");
    }
  }

  /**
   * Parses {@code ID=GRPC_HOST:GRPC_PORT/RAFT_HOST:RAFT_PORT}, e.g. {@code
   * s1=127.0.0.1:7001/127.0.0.1:7000}.
   *
   * @throws IllegalArgumentException with what is wrong
   */
  public static ShardServerAddress parse(String spec) {
    int eq = spec.indexOf('=');
    int slash = spec.indexOf('/');
    if (eq <= 0 || slash < eq) {
      throw new IllegalArgumentException("'" + spec + "' is not ID=GRPC_HOST:PORT/RAFT_HOST:PORT");
    }
    String grpc = spec.substring(eq + 1, slash);
    int colon = grpc.lastIndexOf(':');
    if (!validHostPort(grpc)) {
      throw new IllegalArgumentException("'" + spec + "': gRPC endpoint '" + grpc + "' is not host:port");
    }
    return new ShardServerAddress(spec.substring(0, eq), grpc.substring(0, colon),
        Integer.parseInt(grpc.substring(colon + 1)), spec.substring(slash + 1));
  }

  public String grpcEndpoint() {
    return grpcHost + ":" + grpcPort;
  }

  private static boolean validHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      return false;
    }
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      return port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
