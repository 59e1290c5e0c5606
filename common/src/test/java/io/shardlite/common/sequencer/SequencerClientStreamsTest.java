package io.shardlite.common.sequencer;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.Decide;
import io.shardlite.proto.DecideReply;
import io.shardlite.proto.Decision;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.SequencerGrpc;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The virtual master's streams to the sequencer deliver their replies on the event loop that read
 * them, not on a pool thread after a hand-off: what callers chain on the futures runs there (and
 * must not block). Over real gRPC on loopback, with a stand-in sequencer that numbers requests.
 */
class SequencerClientStreamsTest {
  private Server server;
  private SequencerClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  private void start() throws Exception {
    AtomicLong lsn = new AtomicLong();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new SequencerGrpc.SequencerImplBase() {
      @Override
      public StreamObserver<AssignLsns> lsnStream(StreamObserver<AssignLsnsReply> out) {
        return new Replying<>(out, request -> {
          AssignLsnsReply.Builder reply = AssignLsnsReply.newBuilder().setRequestId(request.getRequestId());
          request.getTxsList().forEach(tx -> reply.addTxs(TxLsn.newBuilder().setTxId(tx.getTxId())
              .setLsn(lsn.incrementAndGet())));
          return reply.build();
        });
      }

      @Override
      public StreamObserver<Decide> decideStream(StreamObserver<DecideReply> out) {
        return new Replying<>(out, request -> DecideReply.newBuilder().setCallId(request.getCallId()).setWon(true)
            .setDecision(Decision.newBuilder().setTxId(request.getTxId()).setOutcome(request.getOutcome())
                .setLsn(request.getLsn())).build());
      }
    }).build().start();
    client = new SequencerClient(List.of("127.0.0.1:" + server.getPort()), Duration.ofSeconds(20));
  }

  @Test
  void lsnRepliesCompleteOnTheEventLoop() throws Exception {
    start();
    LsnStream stream = client.openLsnStream("vm1", "vm1-t", 4);
    try {
      String thread = stream.assign(List.of(TxRequest.newBuilder().setTxId("t1").addShards(1).build()))
          .thenApply(reply -> {
            assertThat(reply.getTxs(0).getLsn()).isEqualTo(1);
            return Thread.currentThread().getName();
          }).get(20, TimeUnit.SECONDS);
      assertThat(thread).as("an event loop, not gRPC's executor pool").contains("ELG").doesNotContain("executor");
    } finally {
      stream.close();
    }
  }

  @Test
  void decisionRepliesCompleteOnTheEventLoop() throws Exception {
    start();
    String thread = client.decideAsync("t1", Outcome.COMMIT, 7, List.of()).thenApply(reply -> {
      assertThat(reply.getDecision().getLsn()).isEqualTo(7);
      return Thread.currentThread().getName();
    }).get(20, TimeUnit.SECONDS);
    assertThat(thread).as("an event loop, not gRPC's executor pool").contains("ELG").doesNotContain("executor");
  }

  /** Answers each request of a stream at once. */
  private record Replying<Q, R>(StreamObserver<R> out, java.util.function.Function<Q, R> answer)
      implements StreamObserver<Q> {
    @Override
    public void onNext(Q request) {
      out.onNext(answer.apply(request));
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      out.onCompleted();
    }
  }
}
