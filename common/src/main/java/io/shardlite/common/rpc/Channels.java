package io.shardlite.common.rpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** The gRPC channels shardlite's processes and clients open to each other. */
public final class Channels {
  /** Largest message accepted: results of big reads and snapshots' chunks fit. */
  private static final int MAX_INBOUND_BYTES = 64 << 20;

  private Channels() {}

  /**
   * A plaintext channel to {@code host:port}. gRPC's own retries are off: every caller here
   * already repeats what is safe to repeat (with transaction ids, idempotency keys, first-wins
   * decisions), and the retry machinery buffered and copied every message of every call.
   */
  public static ManagedChannel to(String host, int port) {
    return NettyChannelBuilder.forAddress(host, port).usePlaintext().maxInboundMessageSize(MAX_INBOUND_BYTES)
        .disableRetry().build();
  }
}
