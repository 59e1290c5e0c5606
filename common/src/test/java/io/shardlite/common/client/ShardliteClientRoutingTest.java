package io.shardlite.common.client;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.VirtualMasterGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Single-shard transactions go straight to the owner a reply named, multi-shard ones to the endpoint
 * owning most of their shards; transactions whose owners are unknown keep taking turns.
 */
class ShardliteClientRoutingTest {
  private static final int SHARDS = 4;
  private final List<Server> servers = new ArrayList<>();

  /** A virtual master on loopback that counts requests and answers with {@code answer}. */
  private String start(AtomicInteger calls, Function<ExecuteRequest, ExecuteReply> answer) throws Exception {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new VirtualMasterGrpc.VirtualMasterImplBase() {
          @Override
          public void execute(ExecuteRequest request, StreamObserver<ExecuteReply> out) {
            calls.incrementAndGet();
            out.onNext(answer.apply(request));
            out.onCompleted();
          }
        }).build().start();
    servers.add(server);
    return "127.0.0.1:" + server.getPort();
  }

  @AfterEach
  void stop() {
    servers.forEach(Server::shutdownNow);
  }

  private static String keyOnShard(int shard) {
    for (int i = 0; ; i++) {
      if (ShardKeys.shardOf("k" + i, SHARDS) == shard) {
        return "k" + i;
      }
    }
  }

  @Test
  void writesToAShardGoToTheOwnerTheLastReplyNamed() throws Exception {
    AtomicInteger toA = new AtomicInteger();
    AtomicInteger toB = new AtomicInteger();
    String[] owner = new String[1];
    Function<ExecuteRequest, ExecuteReply> ownedByB = r -> ExecuteReply.newBuilder().setShard(2)
        .setOwnerAddress(owner[0]).setShardCount(SHARDS).build();
    String a = start(toA, ownedByB);
    owner[0] = start(toB, ownedByB);
    String onShard2 = keyOnShard(2);
    try (ShardliteClient client = new ShardliteClient(List.of(a, owner[0]), Duration.ofSeconds(10))) {
      client.execute(List.of(statement(onShard2, "INSERT INTO t VALUES (1)")));
      int before = toB.get();
      for (int i = 0; i < 10; i++) {
        client.execute(List.of(statement(onShard2, "INSERT INTO t VALUES (?)", i)));
      }
      assertThat(toB.get() - before).as("writes to shard 2 after its owner was named").isEqualTo(10);

      // Over two shards, one of them owned by B: B coordinates (its part there stays local).
      before = toB.get();
      for (int i = 0; i < 10; i++) {
        client.execute(List.of(statement(keyOnShard(3), "SELECT 1"), statement(onShard2, "SELECT 1")));
      }
      assertThat(toB.get() - before).isEqualTo(10);

      // Over shards whose owners no reply named: it keeps taking turns.
      int aBefore = toA.get();
      for (int i = 0; i < 10; i++) {
        client.execute(List.of(statement(keyOnShard(0), "SELECT 1"), statement(keyOnShard(3), "SELECT 1")));
      }
      assertThat(toA.get() - aBefore).isEqualTo(5);
    }
  }

  @Test
  void aTransactionOverSeveralShardsGoesToTheEndpointOwningMostOfThem() throws Exception {
    AtomicInteger toA = new AtomicInteger();
    AtomicInteger toB = new AtomicInteger();
    String[] address = new String[2];
    // A owns shards 0 and 1, B owns 2 and 3 (each reply names the owner of the shard written).
    Function<ExecuteRequest, ExecuteReply> owners = r -> {
      int shard = ShardKeys.shardOf(r.getStatements(0).getShardKey(), SHARDS);
      return ExecuteReply.newBuilder().setShard(shard).setOwnerAddress(address[shard < 2 ? 0 : 1])
          .setShardCount(SHARDS).build();
    };
    address[0] = start(toA, owners);
    address[1] = start(toB, owners);
    try (ShardliteClient client = new ShardliteClient(List.of(address[0], address[1]), Duration.ofSeconds(10))) {
      for (int shard = 0; shard < SHARDS; shard++) {
        client.execute(List.of(statement(keyOnShard(shard), "INSERT INTO t VALUES (1)")));
      }
      int a = toA.get();
      int b = toB.get();
      client.execute(List.of(statement(keyOnShard(0), "SELECT 1"), statement(keyOnShard(2), "SELECT 1"),
          statement(keyOnShard(3), "SELECT 1")));
      assertThat(toB.get() - b).as("B owns two of the three shards").isEqualTo(1);
      client.execute(List.of(statement(keyOnShard(2), "SELECT 1"), statement(keyOnShard(0), "SELECT 1"),
          statement(keyOnShard(1), "SELECT 1"), statement(keyOnShard(2), "SELECT 2")));
      assertThat(toA.get() - a).as("A owns two shards, B one (named twice)").isEqualTo(1);
      client.execute(List.of(statement(keyOnShard(2), "SELECT 1"), statement(keyOnShard(0), "SELECT 1")));
      assertThat(toB.get() - b).as("a tie goes to the first statement's shard's owner").isEqualTo(2);
    }
  }

  @Test
  void anOwnerThatIsNotAnEndpointIsIgnored() throws Exception {
    AtomicInteger toA = new AtomicInteger();
    AtomicInteger toB = new AtomicInteger();
    Function<ExecuteRequest, ExecuteReply> ownedElsewhere = r -> ExecuteReply.newBuilder().setShard(1)
        .setOwnerAddress("10.0.0.1:7000").setShardCount(SHARDS).build();
    String a = start(toA, ownedElsewhere);
    String b = start(toB, ownedElsewhere);
    try (ShardliteClient client = new ShardliteClient(List.of(a, b), Duration.ofSeconds(10))) {
      for (int i = 0; i < 10; i++) {
        client.execute(List.of(statement(keyOnShard(1), "INSERT INTO t VALUES (?)", i)));
      }
      assertThat(toA.get()).isEqualTo(5);
      assertThat(toB.get()).isEqualTo(5);
    }
  }
}
