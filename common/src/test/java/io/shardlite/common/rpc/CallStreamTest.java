package io.shardlite.common.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.shardlite.common.concurrent.Completions;
import io.shardlite.proto.Decide;
import io.shardlite.proto.DecideReply;
import io.shardlite.proto.Decision;
import io.shardlite.proto.SequencerGrpc;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared streams of calls and their server side, over real gRPC on loopback (with the
 * sequencer's Decide messages as the payload): replies that the server holds back reach their own
 * callers later, a call without a reply fails like a unary call past its deadline, a server that
 * ends the stream fails what was unanswered on it, a server whose answer fails ends the stream,
 * and a server without the stream gets unary calls.
 */
class CallStreamTest {
  private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

  private Server server;
  private ManagedChannel channel;
  private CallStream<Decide, DecideReply> calls;

  @AfterEach
  void stop() {
    if (calls != null) {
      calls.close();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  private void start(SequencerGrpc.SequencerImplBase service, int streams) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    calls = new CallStream<>(streams, SequencerGrpc.newStub(channel)::decideStream,
        (request, callId) -> request.toBuilder().setCallId(callId).build(), DecideReply::getCallId,
        (request, timeoutNanos) -> SequencerGrpc.newFutureStub(channel)
            .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS).decide(request));
  }

  private static Decide decide(String txId) {
    return Decide.newBuilder().setTxId(txId).build();
  }

  /** The reply a test server gives: it names the transaction it answers. */
  private static DecideReply named(Decide request) {
    return DecideReply.newBuilder().setDecision(Decision.newBuilder().setTxId(request.getTxId())).build();
  }

  /** A server that answers through {@link StreamAnswers} with {@code answer}. */
  private static SequencerGrpc.SequencerImplBase serving(java.util.function.Function<Decide, CompletableFuture<DecideReply>> answer) {
    return new SequencerGrpc.SequencerImplBase() {
      @Override
      public StreamObserver<Decide> decideStream(StreamObserver<DecideReply> out) {
        return StreamAnswers.serve(out, answer, Decide::getCallId, (r, id) -> r.toBuilder().setCallId(id).build());
      }
    };
  }

  @Test
  void repliesHeldBackByTheServerReachTheirOwnCallersInAnyOrder() throws Exception {
    Map<String, CompletableFuture<DecideReply>> held = new ConcurrentHashMap<>();
    CountDownLatch arrived = new CountDownLatch(20);
    start(serving(request -> {
      CompletableFuture<DecideReply> release = new CompletableFuture<>();
      held.put(request.getTxId(), release);
      arrived.countDown();
      return release.thenApply(ignored -> named(request));
    }), 2);
    List<CompletableFuture<DecideReply>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(calls.call(decide("tx-" + i), WAIT));
    }
    assertThat(arrived.await(20, TimeUnit.SECONDS)).as("every call reached the server").isTrue();
    // Released newest first: each caller still gets its own reply.
    for (int i = 19; i >= 0; i--) {
      held.get("tx-" + i).complete(null);
      assertThat(replies.get(i).get(20, TimeUnit.SECONDS).getDecision().getTxId()).isEqualTo("tx-" + i);
    }
  }

  @Test
  void aCallWithoutAReplyFailsWithDeadlineExceededAndALateReplyIsIgnored() throws Exception {
    CompletableFuture<DecideReply> late = new CompletableFuture<>();
    start(serving(request -> request.getTxId().equals("slow") ? late : CompletableFuture.completedFuture(named(request))),
        1);
    CompletableFuture<DecideReply> slow = calls.call(decide("slow"), TimeUnit.MILLISECONDS.toNanos(200));
    Throwable failure = catchThrowable(() -> slow.get(20, TimeUnit.SECONDS));
    assertThat(Completions.cause(failure)).isInstanceOfSatisfying(StatusRuntimeException.class,
        s -> assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    late.complete(named(decide("slow")));
    // The stream is still good for the next call.
    assertThat(calls.call(decide("next"), WAIT).get(20, TimeUnit.SECONDS).getDecision().getTxId()).isEqualTo("next");
  }

  @Test
  void aServerWhoseAnswerFailsEndsTheStreamAndTheNextCallOpensANewOne() throws Exception {
    AtomicInteger streams = new AtomicInteger();
    CompletableFuture<DecideReply> pending = new CompletableFuture<>();
    SequencerGrpc.SequencerImplBase answering = serving(request -> switch (request.getTxId()) {
      case "pending" -> pending;
      case "broken" -> CompletableFuture.failedFuture(new IllegalStateException("boom"));
      default -> CompletableFuture.completedFuture(named(request));
    });
    start(new SequencerGrpc.SequencerImplBase() {
      @Override
      public StreamObserver<Decide> decideStream(StreamObserver<DecideReply> out) {
        streams.incrementAndGet();
        return answering.decideStream(out);
      }
    }, 1);
    CompletableFuture<DecideReply> unanswered = calls.call(decide("pending"), WAIT);
    CompletableFuture<DecideReply> broken = calls.call(decide("broken"), WAIT);
    for (CompletableFuture<DecideReply> call : List.of(unanswered, broken)) {
      Throwable failure = catchThrowable(() -> call.get(20, TimeUnit.SECONDS));
      assertThat(Completions.cause(failure)).isInstanceOfSatisfying(StatusRuntimeException.class,
          s -> assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
    }
    assertThat(calls.call(decide("after"), WAIT).get(20, TimeUnit.SECONDS).getDecision().getTxId()).isEqualTo("after");
    assertThat(streams.get()).as("streams opened").isEqualTo(2);
  }

  @Test
  void aServerThatEndsTheStreamFailsItsUnansweredCallsWithUnavailable() throws Exception {
    start(new SequencerGrpc.SequencerImplBase() {
      @Override
      public StreamObserver<Decide> decideStream(StreamObserver<DecideReply> out) {
        return new StreamObserver<>() {
          @Override
          public void onNext(Decide request) {
            out.onCompleted(); // ends the stream without an answer
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      }
    }, 1);
    Throwable failure = catchThrowable(() -> calls.call(decide("lost"), WAIT).get(20, TimeUnit.SECONDS));
    assertThat(Completions.cause(failure)).isInstanceOfSatisfying(StatusRuntimeException.class,
        s -> assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void onTheEventLoopAStreamThatFailsAsItOpensFailsItsCallWithTheChannelsStatus() throws Exception {
    // Nothing listens there: once the channel has failed to connect, a new stream fails inside
    // its own opening, on the direct executor, before the call is registered on it.
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", closedPort).usePlaintext().build();
    calls = new CallStream<>(2,
        SequencerGrpc.newStub(channel).withExecutor(com.google.common.util.concurrent.MoreExecutors.directExecutor())
            ::decideStream,
        (request, callId) -> request.toBuilder().setCallId(callId).build(), DecideReply::getCallId,
        (request, timeoutNanos) -> SequencerGrpc.newFutureStub(channel)
            .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS).decide(request));
    for (int i = 0; i < 6; i++) {
      CompletableFuture<DecideReply> call = calls.call(decide("t" + i), WAIT);
      Throwable failure = catchThrowable(() -> call.get(20, TimeUnit.SECONDS));
      assertThat(Completions.cause(failure)).as("call %d", i).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void aServerWithoutTheStreamGetsUnaryCalls() throws Exception {
    AtomicInteger unary = new AtomicInteger();
    start(new SequencerGrpc.SequencerImplBase() {
      @Override
      public void decide(Decide request, StreamObserver<DecideReply> out) {
        unary.incrementAndGet();
        out.onNext(named(request));
        out.onCompleted();
      }
    }, 2);
    for (int i = 0; i < 3; i++) {
      assertThat(calls.call(decide("old-" + i), WAIT).get(20, TimeUnit.SECONDS).getDecision().getTxId())
          .isEqualTo("old-" + i);
    }
    assertThat(unary.get()).isEqualTo(3);
  }
}
