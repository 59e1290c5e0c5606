package io.shardlite.common.rpc;

import java.util.List;

/**
 * Turns off Netty's buffer-leak sampling in shardlite's processes, unless the operator set it.
 * At its default level Netty tracks one buffer allocation in 128 with a stack trace of its own:
 * 2.8% of a virtual master's CPU and 1.2% of the load generator's at 16 shards and 10%
 * multi-shard, a debugging aid paid for on every transaction. gRPC and Ratis each shade their
 * own Netty, each with its own property; set one of them (for example
 * {@code -Dio.grpc.netty.shaded.io.netty.leakDetection.level=simple}) to bring sampling back
 * when chasing a leak. Must run before Netty's classes load, first thing in {@code main}.
 */
public final class NettyLeakDetection {
  /** The level properties of gRPC's and Ratis's shaded copies of Netty. */
  static final List<String> LEVEL_PROPERTIES = List.of(
      "io.grpc.netty.shaded.io.netty.leakDetection.level",
      "org.apache.ratis.thirdparty.io.netty.leakDetection.level");

  private NettyLeakDetection() {}

  /** Sets each copy's level to {@code disabled} where no level is set. */
  public static void offUnlessSet() {
    for (String property : LEVEL_PROPERTIES) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, "disabled");
      }
    }
  }
}
