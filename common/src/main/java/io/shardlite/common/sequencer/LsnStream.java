package io.shardlite.common.sequencer;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.AssignLsns;
import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.SequencerGrpc;
import io.shardlite.proto.TxRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A virtual master's pipelined LSN stream with failover. Requests are sent as they come, with
 * request ids {@code prefix-1, prefix-2, ...}; replies arrive in request order. When the stream
 * breaks (the replica lost leadership, died, or the connection dropped), the stream reconnects to
 * the next replica and resends every unanswered request, in order, with the same ids: the
 * sequencer answers those it had already sequenced from its reply cache, so nothing is sequenced
 * twice and the LSNs of one stream increase in request order.
 *
 * <p>Optionally coalescing ({@code wireLimit > 0}): while {@code wireLimit} requests are
 * unanswered, later calls wait and leave together as one request once a reply frees the wire (group
 * commit for LSNs: one sequencer log entry for many callers). Each caller still gets a reply with
 * exactly its own transactions, in its order; callers' relative order is their call order.
 *
 * <p>A request still unanswered at its deadline fails with TIMEOUT (the caller must then treat its
 * transactions as abandoned). Thread-safe.
 */
public final class LsnStream implements AutoCloseable {
  private static final long RECONNECT_DELAY_MS = 50;

  /** One caller's transactions and its reply. */
  private record Call(List<TxRequest> txs, CompletableFuture<AssignLsnsReply> reply) {}

  /** A request on the wire and the callers whose transactions it carries, in order. */
  private record Pending(AssignLsns request, List<Call> calls, long deadlineNanos) {}

  private final SequencerEndpoints endpoints;
  private final ScheduledExecutorService scheduler;
  private final String vmId;
  private final String prefix;
  private final Semaphore slots;
  private final Duration deadline;
  private final int wireLimit;
  private final int maxCoalescedTxs;
  /** Calls waiting for the wire to free up (coalescing only). */
  private final List<Call> waiting = new ArrayList<>();
  private int waitingTxs;
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final ScheduledFuture<?> sweeper;
  private long counter;
  private int generation;
  private int endpoint;
  private ClientCallStreamObserver<AssignLsns> requests;
  private boolean reconnectScheduled;
  private boolean closed;
  private long reconnects;

  LsnStream(SequencerEndpoints endpoints, ScheduledExecutorService scheduler, String vmId, String prefix,
      int maxInFlight, Duration deadline, int wireLimit, int maxCoalescedTxs) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
    }
    if (wireLimit < 0) {
      throw new IllegalArgumentException("wireLimit must be >= 0, got " + wireLimit);
    }
    if (maxCoalescedTxs < 1) {
      throw new IllegalArgumentException("maxCoalescedTxs must be >= 1, got " + maxCoalescedTxs);
    }
    this.wireLimit = wireLimit;
    this.maxCoalescedTxs = maxCoalescedTxs;
    this.endpoints = endpoints;
    this.scheduler = scheduler;
    this.vmId = vmId;
    this.prefix = prefix;
    this.slots = new Semaphore(maxInFlight);
    this.deadline = deadline;
    synchronized (this) {
      connect();
    }
    long sweep = Math.max(10, Math.min(1000, deadline.toMillis() / 4));
    this.sweeper = scheduler.scheduleWithFixedDelay(this::expire, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /**
   * Asks for LSNs for a batch of transactions. Waits for a free slot when {@code maxInFlight}
   * requests are unanswered. The future fails with a {@link ShardliteException} carrying the
   * sequencer's typed error (e.g. UNKNOWN_SHARD, UNKNOWN_VM) or TIMEOUT.
   */
  public CompletableFuture<AssignLsnsReply> assign(List<TxRequest> txs) {
    try {
      if (!slots.tryAcquire(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        return CompletableFuture.failedFuture(new ShardliteException(ErrorCode.TIMEOUT,
            "no free slot on the LSN stream within " + deadline.toMillis() + " ms", true, -1, null));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(e);
    }
    return assignHoldingSlot(txs);
  }

  /**
   * {@link #assign(List)} that never blocks its caller (an event loop, a lane): when no slot is
   * free right now, the wait for one runs on {@code waiter}.
   */
  public CompletableFuture<AssignLsnsReply> assign(List<TxRequest> txs, Executor waiter) {
    if (slots.tryAcquire()) {
      return assignHoldingSlot(txs);
    }
    return CompletableFuture.supplyAsync(() -> assign(txs), waiter).thenCompose(reply -> reply);
  }

  private CompletableFuture<AssignLsnsReply> assignHoldingSlot(List<TxRequest> txs) {
    CompletableFuture<AssignLsnsReply> reply = new CompletableFuture<>();
    reply.whenComplete((r, e) -> slots.release());
    synchronized (this) {
      if (closed) {
        reply.completeExceptionally(new ShardliteException(ErrorCode.UNAVAILABLE, "LSN stream closed"));
        return reply;
      }
      Call call = new Call(List.copyOf(txs), reply);
      if (wireLimit > 0 && pending.size() >= wireLimit) {
        if (waitingTxs + txs.size() > maxCoalescedTxs) {
          sendWaiting(); // full: this one starts the next coalesced request
        }
        waiting.add(call);
        waitingTxs += txs.size();
      } else {
        send(List.of(call));
      }
    }
    return reply;
  }

  /** Puts one request with the calls' transactions on the wire (caller holds the lock). */
  private void send(List<Call> calls) {
    AssignLsns.Builder request = AssignLsns.newBuilder().setRequestId(prefix + "-" + (++counter)).setVmId(vmId);
    calls.forEach(c -> request.addAllTxs(c.txs()));
    AssignLsns built = request.build();
    pending.put(built.getRequestId(), new Pending(built, calls, System.nanoTime() + deadline.toNanos()));
    if (requests != null) {
      requests.onNext(built);
    }
  }

  /** Sends the waiting calls as one request (caller holds the lock). */
  private void sendWaiting() {
    if (waiting.isEmpty()) {
      return;
    }
    List<Call> calls = List.copyOf(waiting);
    waiting.clear();
    waitingTxs = 0;
    send(calls);
  }

  /** Each call's own part of a reply, in order. */
  private static void answer(List<Call> calls, AssignLsnsReply reply) {
    if (calls.size() == 1) {
      calls.get(0).reply().complete(reply);
      return;
    }
    int from = 0;
    for (Call c : calls) {
      int to = from + c.txs().size();
      c.reply().complete(AssignLsnsReply.newBuilder().setRequestId(reply.getRequestId())
          .addAllTxs(reply.getTxsList().subList(from, to)).build());
      from = to;
    }
  }

  /** Whether {@link #close} ran: every request it had has failed, and it takes no more. */
  public synchronized boolean isClosed() {
    return closed;
  }

  /** How often the stream had to reconnect (failovers, dropped connections). */
  public synchronized long reconnects() {
    return reconnects;
  }

  private void connect() {
    int gen = ++generation;
    endpoint = endpoints.current();
    // Replies are handled on the event loop that read them: received() only completes futures
    // under a short lock, and what waits on them (lanes, coordinators) never blocks there.
    ClientCallStreamObserver<AssignLsns> call = (ClientCallStreamObserver<AssignLsns>) SequencerGrpc
        .newStub(endpoints.channel(endpoint))
        .withExecutor(MoreExecutors.directExecutor())
        .lsnStream(new ClientResponseObserver<AssignLsns, AssignLsnsReply>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<AssignLsns> stream) {}

          @Override
          public void onNext(AssignLsnsReply reply) {
            received(gen, reply);
          }

          @Override
          public void onError(Throwable t) {
            broken(gen);
          }

          @Override
          public void onCompleted() {
            broken(gen);
          }
        });
    if (gen != generation) {
      // It failed as it opened (a replica that cannot be reached fails the call inline on the
      // direct executor): a reconnect is scheduled already.
      return;
    }
    requests = call;
    for (Pending p : pending.values()) {
      requests.onNext(p.request());
    }
  }

  private void received(int gen, AssignLsnsReply reply) {
    Pending done = null;
    synchronized (this) {
      if (gen != generation) {
        return;
      }
      if (reply.hasError() && reply.getError().getCode() == ErrorCode.UNAVAILABLE) {
        breakAndReconnect();
        return;
      }
      done = pending.remove(reply.getRequestId());
      sendWaiting();
    }
    if (done == null) {
      return;
    }
    if (reply.hasError()) {
      ShardliteException e = ShardliteException.fromProto(reply.getError());
      done.calls().forEach(c -> c.reply().completeExceptionally(e));
    } else if (reply.getTxsCount() != done.request().getTxsCount()) {
      ShardliteException e = new ShardliteException(ErrorCode.INTERNAL, "reply " + reply.getRequestId() + " carries "
          + reply.getTxsCount() + " transactions for a request of " + done.request().getTxsCount());
      done.calls().forEach(c -> c.reply().completeExceptionally(e));
    } else {
      answer(done.calls(), reply);
    }
  }

  private synchronized void broken(int gen) {
    if (gen == generation) {
      breakAndReconnect();
    }
  }

  /** Abandons the current call and reconnects to the next replica shortly. */
  private void breakAndReconnect() {
    generation++;
    if (requests != null) {
      requests.cancel("reconnecting", null);
      requests = null;
    }
    if (closed || reconnectScheduled) {
      return;
    }
    endpoints.next(endpoint);
    reconnectScheduled = true;
    reconnects++;
    try {
      scheduler.schedule(() -> {
        synchronized (this) {
          reconnectScheduled = false;
          if (!closed) {
            connect();
          }
        }
      }, RECONNECT_DELAY_MS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      closed = true;
    }
  }

  private void expire() {
    List<Pending> expired = new ArrayList<>();
    long now = System.nanoTime();
    synchronized (this) {
      for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (now - p.deadlineNanos() >= 0) {
          expired.add(p);
          it.remove();
        }
      }
      if (!expired.isEmpty()) {
        sendWaiting();
      }
    }
    for (Pending p : expired) {
      ShardliteException e = new ShardliteException(ErrorCode.TIMEOUT, "request " + p.request().getRequestId()
          + " got no LSNs within " + deadline.toMillis() + " ms", true, -1, null);
      p.calls().forEach(c -> c.reply().completeExceptionally(e));
    }
  }

  @Override
  public void close() {
    List<Call> left;
    synchronized (this) {
      closed = true;
      generation++;
      if (requests != null) {
        requests.onCompleted();
        requests = null;
      }
      left = new ArrayList<>();
      pending.values().forEach(p -> left.addAll(p.calls()));
      left.addAll(waiting);
      pending.clear();
      waiting.clear();
      waitingTxs = 0;
    }
    sweeper.cancel(false);
    for (Call c : left) {
      c.reply().completeExceptionally(new ShardliteException(ErrorCode.UNAVAILABLE, "LSN stream closed"));
    }
  }
}
