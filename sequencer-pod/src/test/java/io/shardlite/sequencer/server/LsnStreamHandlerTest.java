package io.shardlite.sequencer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.ServerCallStreamObserver;
import io.prometheus.client.CollectorRegistry;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.SequencerReply;
import io.shardlite.proto.TxLsn;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class LsnStreamHandlerTest {
  private final SequencerMetrics metrics = new SequencerMetrics(new CollectorRegistry());

  /**
   * The group committer may complete other streams' replies on the thread that submits a request.
   * Two streams each submitting while the other's reply completes on its thread must not
   * deadlock (they did while onNext held the stream's lock during the submission).
   */
  @Test
  void twoStreamsCompletingEachOthersRepliesWhileSubmittingDoNotDeadlock() throws Exception {
    Map<String, CompletableFuture<SequencerReply>> outstanding = new ConcurrentHashMap<>();
    CyclicBarrier bothSubmitting = new CyclicBarrier(2);
    Function<AssignLsns, CompletableFuture<SequencerReply>> assigner = request -> {
      CompletableFuture<SequencerReply> reply = new CompletableFuture<>();
      if (request.getRequestId().endsWith("-2")) {
        // Inside the submission of a's and b's second requests, at the same time: each thread
        // finishes the other stream's first request, as a committer finishing a group would.
        await(bothSubmitting);
        String other = request.getRequestId().startsWith("a") ? "b-1" : "a-1";
        outstanding.get(other).complete(assigned(other, 1));
      }
      outstanding.put(request.getRequestId(), reply);
      return reply;
    };
    RecordingObserver outA = new RecordingObserver();
    RecordingObserver outB = new RecordingObserver();
    LsnStreamHandler a = new LsnStreamHandler(assigner, outA, metrics);
    LsnStreamHandler b = new LsnStreamHandler(assigner, outB, metrics);
    a.onNext(request("a-1"));
    b.onNext(request("b-1"));

    Thread ta = new Thread(() -> a.onNext(request("a-2")));
    Thread tb = new Thread(() -> b.onNext(request("b-2")));
    ta.setDaemon(true);
    tb.setDaemon(true);
    ta.start();
    tb.start();
    ta.join(TimeUnit.SECONDS.toMillis(10));
    tb.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(ta.isAlive() || tb.isAlive()).as("a submitting stream is stuck").isFalse();

    outstanding.get("a-2").complete(assigned("a-2", 2));
    outstanding.get("b-2").complete(assigned("b-2", 2));
    assertThat(outA.sent).extracting(AssignLsnsReply::getRequestId).containsExactly("a-1", "a-2");
    assertThat(outB.sent).extracting(AssignLsnsReply::getRequestId).containsExactly("b-1", "b-2");
  }

  @Test
  void repliesLeaveInRequestOrderWhateverOrderTheyComplete() {
    Map<String, CompletableFuture<SequencerReply>> outstanding = new ConcurrentHashMap<>();
    RecordingObserver out = new RecordingObserver();
    LsnStreamHandler stream = new LsnStreamHandler(r -> outstanding.computeIfAbsent(r.getRequestId(),
        id -> new CompletableFuture<>()), out, metrics);
    for (String id : List.of("s-1", "s-2", "s-3")) {
      stream.onNext(request(id));
    }
    outstanding.get("s-3").complete(assigned("s-3", 3));
    outstanding.get("s-2").complete(assigned("s-2", 2));
    assertThat(out.sent).isEmpty();
    outstanding.get("s-1").complete(assigned("s-1", 1));
    assertThat(out.sent).extracting(AssignLsnsReply::getRequestId).containsExactly("s-1", "s-2", "s-3");
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the other stream never submitted", e);
    }
  }

  private static AssignLsns request(String id) {
    return AssignLsns.newBuilder().setRequestId(id).setVmId("vm").build();
  }

  private static SequencerReply assigned(String id, long lsn) {
    return SequencerReply.newBuilder().setAssigned(AssignLsnsReply.newBuilder().setRequestId(id)
        .addTxs(TxLsn.newBuilder().setLsn(lsn))).build();
  }

  /** The reply side of one stream, recording what was sent. */
  private static final class RecordingObserver extends ServerCallStreamObserver<AssignLsnsReply> {
    final List<AssignLsnsReply> sent = new CopyOnWriteArrayList<>();

    @Override
    public void onNext(AssignLsnsReply value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}
  }
}
