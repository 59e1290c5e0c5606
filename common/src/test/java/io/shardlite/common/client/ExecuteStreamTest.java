package io.shardlite.common.client;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.VirtualMasterGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's shared stream of transactions to a virtual master: replies reach their own callers
 * whatever their order, a broken stream's unanswered transactions are retried (same key) on a new
 * stream, and a virtual master without the stream gets unary calls.
 */
class ExecuteStreamTest {
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  private String start(VirtualMasterGrpc.VirtualMasterImplBase service) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
    return "127.0.0.1:" + server.getPort();
  }

  private static ExecuteRequest tx(String key) {
    return ExecuteRequest.newBuilder().setIdempotencyKey(key).addStatements(statement("k", "SELECT 1")).build();
  }

  /** The reply a test server gives: it names the transaction it answers. */
  private static ExecuteReply answer(ExecuteRequest request) {
    return ExecuteReply.newBuilder().setOwnerAddress(request.getIdempotencyKey()).setCallId(request.getCallId()).build();
  }

  @Test
  void repliesThatComeBackInAnyOrderReachTheirOwnCallers() throws Exception {
    int count = 50;
    AtomicInteger streams = new AtomicInteger();
    record Received(ExecuteRequest request, StreamObserver<ExecuteReply> stream) {}
    List<Received> received = new ArrayList<>();
    String endpoint = start(new VirtualMasterGrpc.VirtualMasterImplBase() {
      @Override
      public StreamObserver<ExecuteRequest> executeStream(StreamObserver<ExecuteReply> out) {
        streams.incrementAndGet();
        return new StreamObserver<>() {
          @Override
          public void onNext(ExecuteRequest request) {
            synchronized (received) {
              received.add(new Received(request, out));
              if (received.size() == count) {
                // Every request is in: answer them newest first, each on its own stream.
                List<Received> reversed = new ArrayList<>(received);
                Collections.reverse(reversed);
                for (Received r : reversed) {
                  synchronized (r.stream()) {
                    r.stream().onNext(answer(r.request()));
                  }
                }
              }
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        };
      }
    });
    try (ShardliteClient client = new ShardliteClient(List.of(endpoint), Duration.ofSeconds(20))) {
      List<CompletableFuture<ExecuteReply>> replies = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        replies.add(client.executeAsync(tx("tx-" + i)));
      }
      for (int i = 0; i < count; i++) {
        ExecuteReply reply = replies.get(i).get(20, TimeUnit.SECONDS);
        assertThat(reply.hasError()).as("reply %s: %s", i, reply.getError()).isFalse();
        assertThat(reply.getOwnerAddress()).as("the reply to transaction %s", i).isEqualTo("tx-" + i);
      }
    }
    assertThat(streams.get()).as("streams opened, shared by the 50 transactions")
        .isEqualTo(ShardliteClient.STREAMS_PER_ENDPOINT);
  }

  @Test
  void aBrokenStreamsUnansweredTransactionIsRetriedWithItsKeyOnANewStream() throws Exception {
    List<ExecuteRequest> received = new CopyOnWriteArrayList<>();
    AtomicInteger streams = new AtomicInteger();
    String endpoint = start(new VirtualMasterGrpc.VirtualMasterImplBase() {
      @Override
      public StreamObserver<ExecuteRequest> executeStream(StreamObserver<ExecuteReply> out) {
        boolean first = streams.incrementAndGet() == 1;
        return new StreamObserver<>() {
          @Override
          public void onNext(ExecuteRequest request) {
            received.add(request);
            if (first) {
              // The virtual master goes away with the transaction unanswered.
              out.onError(Status.UNAVAILABLE.withDescription("going away").asRuntimeException());
            } else {
              out.onNext(answer(request));
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      }
    });
    try (ShardliteClient client = new ShardliteClient(List.of(endpoint), Duration.ofSeconds(20))) {
      ExecuteReply reply = client.executeAsync(tx("moved")).get(20, TimeUnit.SECONDS);
      assertThat(reply.hasError()).as("%s", reply.getError()).isFalse();
      assertThat(reply.getOwnerAddress()).isEqualTo("moved");
    }
    assertThat(streams.get()).as("streams opened").isEqualTo(2);
    assertThat(received).extracting(ExecuteRequest::getIdempotencyKey).containsExactly("moved", "moved");
    assertThat(received).extracting(ExecuteRequest::getAttempt).containsExactly(1, 2);
  }

  @Test
  void aVirtualMasterWithoutTheStreamIsCalledUnary() throws Exception {
    AtomicInteger unary = new AtomicInteger();
    String endpoint = start(new VirtualMasterGrpc.VirtualMasterImplBase() {
      @Override
      public void execute(ExecuteRequest request, StreamObserver<ExecuteReply> out) {
        unary.incrementAndGet();
        out.onNext(answer(request));
        out.onCompleted();
      }
    });
    try (ShardliteClient client = new ShardliteClient(List.of(endpoint), Duration.ofSeconds(20))) {
      for (int i = 0; i < 3; i++) {
        ExecuteReply reply = client.executeAsync(tx("old-" + i)).get(20, TimeUnit.SECONDS);
        assertThat(reply.hasError()).as("%s", reply.getError()).isFalse();
        assertThat(reply.getOwnerAddress()).isEqualTo("old-" + i);
      }
      assertThat(client.attemptsSent()).as("one attempt per transaction: the fallback is not a retry").isEqualTo(3);
    }
    assertThat(unary.get()).isEqualTo(3);
  }

  /** Answers each streamed transaction when the test says so ({@link #release}), so it can attach continuations first. */
  private static final class HeldEcho extends VirtualMasterGrpc.VirtualMasterImplBase {
    private final java.util.concurrent.BlockingQueue<Runnable> held = new java.util.concurrent.LinkedBlockingQueue<>();

    @Override
    public StreamObserver<ExecuteRequest> executeStream(StreamObserver<ExecuteReply> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(ExecuteRequest request) {
          held.add(() -> {
            synchronized (out) {
              out.onNext(answer(request));
            }
          });
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          synchronized (out) {
            out.onCompleted();
          }
        }
      };
    }

    /** Sends the reply to the next transaction that arrived (waiting for it up to 20 s). */
    void release() throws InterruptedException {
      Runnable reply = held.poll(20, TimeUnit.SECONDS);
      assertThat(reply).as("a transaction reached the server").isNotNull();
      reply.run();
    }
  }

  /** The name of the thread that ran a continuation of each transaction's future. */
  private static List<String> completingThreads(ShardliteClient client, HeldEcho server, int count) throws Exception {
    List<String> threads = new CopyOnWriteArrayList<>();
    for (int i = 0; i < count; i++) {
      CompletableFuture<ExecuteReply> f = client.executeAsync(tx("t-" + i));
      CompletableFuture<Void> seen = f.thenAccept(reply -> threads.add(Thread.currentThread().getName()));
      server.release();
      seen.get(20, TimeUnit.SECONDS);
      assertThat(f.get().getOwnerAddress()).isEqualTo("t-" + i);
    }
    return threads;
  }

  @Test
  void transportCallbacksCompleteOnTheEventLoopThatReadTheReply() throws Exception {
    HeldEcho server = new HeldEcho();
    String endpoint = start(server);
    try (ShardliteClient client = new ShardliteClient(List.of(endpoint), Duration.ofSeconds(20), true)) {
      assertThat(completingThreads(client, server, 20)).allSatisfy(t -> assertThat(t).startsWith("grpc-default-worker"));
    }
  }

  @Test
  void byDefaultRepliesCompleteOnGrpcsExecutorNotTheEventLoop() throws Exception {
    HeldEcho server = new HeldEcho();
    String endpoint = start(server);
    try (ShardliteClient client = new ShardliteClient(List.of(endpoint), Duration.ofSeconds(20))) {
      assertThat(completingThreads(client, server, 20)).allSatisfy(t -> assertThat(t).startsWith("grpc-default-executor"));
    }
  }
}
