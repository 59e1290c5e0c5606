package io.shardlite.shard.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.shardlite.proto.ShardAdminGrpc;
import io.shardlite.proto.ShardServiceGrpc;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WritePathOnEventLoopTest {
  @Test
  void theWritePathRunsOnTheEventLoop() {
    for (MethodDescriptor<?, ?> m : Set.of(ShardServiceGrpc.getWriteMethod(), ShardServiceGrpc.getWriteGroupMethod(),
        ShardServiceGrpc.getPrepareMethod(), ShardServiceGrpc.getResolveMethod(), ShardServiceGrpc.getClaimMethod())) {
      assertTrue(WritePathOnEventLoop.onEventLoop(m.getFullMethodName()), m.getFullMethodName());
    }
  }

  @Test
  void readsAndEveryAdminCallRunOnThePool() {
    // A follower read runs SQLite on the calling thread; admin calls wait for membership changes.
    assertFalse(WritePathOnEventLoop.onEventLoop(ShardServiceGrpc.getReadMethod().getFullMethodName()));
    ServerServiceDefinition admin = new ShardAdminGrpc.ShardAdminImplBase() {}.bindService();
    Set<String> adminMethods = admin.getMethods().stream().map(m -> m.getMethodDescriptor().getFullMethodName())
        .collect(Collectors.toSet());
    assertFalse(adminMethods.isEmpty());
    for (String m : adminMethods) {
      assertFalse(WritePathOnEventLoop.onEventLoop(m), m);
    }
  }

  @Test
  void aMethodNotListedRunsOnThePool() {
    assertFalse(WritePathOnEventLoop.onEventLoop("shardlite.v1.ShardService/SomethingNew"));
  }
}
