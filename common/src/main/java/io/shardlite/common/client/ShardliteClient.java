package io.shardlite.common.client;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.shardlite.common.concurrent.Completions;
import io.shardlite.common.error.ErrorCodes;
import io.shardlite.common.rpc.CallStream;
import io.shardlite.common.rpc.Channels;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import io.shardlite.proto.Value;
import io.shardlite.proto.VirtualMasterGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java client of shardlite: sends transactions to any virtual master and retries only where
 * the error says it is safe. Every transaction carries an idempotency key (one is generated if
 * the caller gives none) that stays the same across retries, so a retry never applies twice.
 * Transport failures and retryable errors move to the next endpoint until the deadline. A
 * transaction on one shard goes first to the endpoint a reply named as that shard's owner (any
 * virtual master accepts it, but the owner need not forward it). Transactions to one endpoint
 * share a few long-lived streams ({@link CallStream}); endpoints without them get unary calls.
 */
public final class ShardliteClient implements AutoCloseable {
  private final List<String> endpoints;
  private final List<ManagedChannel> channels = new ArrayList<>();
  /**
   * Streams open to each endpoint, taken in turn. One stream delivers its replies on one thread at
   * a time, and the callers' continuations (often the next transaction) run there: with a single
   * stream that one thread throttled a busy client, fewer transactions reached the lanes at once,
   * and with 16 shards the shard entries per transaction doubled (0.12 vs 0.05, unary calls).
   */
  static final int STREAMS_PER_ENDPOINT = 8;
  /** Each endpoint's streams of transactions. */
  private final List<CallStream<ExecuteRequest, ExecuteReply>> streams = new ArrayList<>();
  private final Duration timeout;
  private final AtomicInteger next = new AtomicInteger();
  /** Transactions without an outcome yet: close() answers them (a retry waiting on the timer would never run). */
  private final java.util.Set<CompletableFuture<ExecuteReply>> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private final AtomicInteger retriesWaiting = new AtomicInteger();
  private final AtomicInteger attemptsSent = new AtomicInteger();
  /** Endpoint index by address. */
  private final java.util.Map<String, Integer> endpointIndex = new java.util.HashMap<>();
  /** The endpoint that owns each shard, as the last single-shard write said (sent there first). */
  private final java.util.Map<Integer, Integer> ownerEndpoint = new java.util.concurrent.ConcurrentHashMap<>();
  /** The cluster's shard count, once a reply told it (0 = unknown). */
  private volatile int shardCount;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "shardlite-client");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param endpoints virtual masters' client API addresses (host:port)
   * @param timeout default deadline of a transaction, retries included
   */
  public ShardliteClient(List<String> endpoints, Duration timeout) {
    this(endpoints, timeout, false);
  }

  /**
   * @param endpoints virtual masters' client API addresses (host:port)
   * @param timeout default deadline of a transaction, retries included
   * @param transportCallbacks complete the futures of {@link #executeAsync} on gRPC's transport
   *     threads (the event loop that read the reply) instead of handing each reply to gRPC's
   *     executor pool. Continuations attached to those futures then must not block; in exchange a
   *     reply costs no thread wake-up: the pool's hand-offs took about a quarter of the bench's
   *     load generator's CPU, most of it thread switches.
   */
  public ShardliteClient(List<String> endpoints, Duration timeout, boolean transportCallbacks) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one endpoint (host:port) is required");
    }
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
    for (String e : endpoints) {
      int colon = e.lastIndexOf(':');
      if (colon <= 0 || colon == e.length() - 1) {
        throw new IllegalArgumentException("endpoint '" + e + "' is not host:port");
      }
      endpointIndex.putIfAbsent(e, channels.size());
      channels.add(Channels.to(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1))));
      ManagedChannel channel = channels.get(channels.size() - 1);
      // Streamed and unary (servers without the stream) replies alike complete where the caller chose.
      Executor replies = transportCallbacks ? MoreExecutors.directExecutor() : null;
      VirtualMasterGrpc.VirtualMasterStub stub = replies == null ? VirtualMasterGrpc.newStub(channel)
          : VirtualMasterGrpc.newStub(channel).withExecutor(replies);
      VirtualMasterGrpc.VirtualMasterFutureStub unary = replies == null ? VirtualMasterGrpc.newFutureStub(channel)
          : VirtualMasterGrpc.newFutureStub(channel).withExecutor(replies);
      streams.add(new CallStream<>(STREAMS_PER_ENDPOINT, stub::executeStream,
          (request, callId) -> request.toBuilder().setCallId(callId).build(), ExecuteReply::getCallId,
          (request, timeoutNanos) -> unary.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS).execute(request)));
    }
  }

  /** A statement for a transaction: the shard key that places it, SQL and positional parameters. */
  public static TxStatement statement(String shardKey, String sql, Object... params) {
    TxStatement.Builder s = TxStatement.newBuilder().setShardKey(shardKey).setSql(sql);
    for (Object p : params) {
      s.addParams(value(p));
    }
    return s.build();
  }

  public static Value value(Object p) {
    if (p == null) {
      return Value.getDefaultInstance();
    } else if (p instanceof Integer || p instanceof Long || p instanceof Short || p instanceof Byte) {
      return Value.newBuilder().setInteger(((Number) p).longValue()).build();
    } else if (p instanceof Double || p instanceof Float) {
      return Value.newBuilder().setReal(((Number) p).doubleValue()).build();
    } else if (p instanceof byte[] b) {
      return Value.newBuilder().setBlob(com.google.protobuf.ByteString.copyFrom(b)).build();
    } else if (p instanceof Boolean b) {
      return Value.newBuilder().setInteger(b ? 1 : 0).build();
    }
    return Value.newBuilder().setText(p.toString()).build();
  }

  /** Runs one transaction; the reply carries results or a typed error (never throws for those). */
  public ExecuteReply execute(List<TxStatement> statements) {
    return executeAsync(ExecuteRequest.newBuilder().addAllStatements(statements).build()).join();
  }

  public ExecuteReply execute(ExecuteRequest request) {
    return executeAsync(request).join();
  }

  public CompletableFuture<ExecuteReply> executeAsync(ExecuteRequest request) {
    long budget = request.getTimeoutMillis() > 0 ? request.getTimeoutMillis() : timeout.toMillis();
    ExecuteRequest tx = request.toBuilder()
        .setIdempotencyKey(request.getIdempotencyKey().isEmpty() ? TransactionIds.next() : request.getIdempotencyKey())
        .setTimeoutMillis(budget).build();
    CompletableFuture<ExecuteReply> result = new CompletableFuture<>();
    pending.add(result);
    result.whenComplete((r, e) -> pending.remove(result));
    if (closed) {
      result.complete(closedReply(tx));
      return result;
    }
    attempt(tx, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget), firstEndpoint(tx), 10, result);
    return result;
  }

  /**
   * The shard's owner when the transaction touches one shard whose owner a reply named (saves the
   * receiving virtual master a forward); for several shards, the endpoint that owns most of them
   * (its parts there need no call to another virtual master; on a tie, the one whose shard comes
   * first in statement order); otherwise the next endpoint in turn.
   */
  private int firstEndpoint(ExecuteRequest tx) {
    Integer owner = ownerOfMost(tx);
    return owner != null ? owner : Math.floorMod(next.getAndIncrement(), channels.size());
  }

  /** The endpoint that owns most of the transaction's shards, as replies named them, or null. */
  private Integer ownerOfMost(ExecuteRequest tx) {
    if (tx.hasShard()) {
      return ownerEndpoint.get(tx.getShard());
    }
    int shards = shardCount;
    if (shards <= 0) {
      return null;
    }
    java.util.Map<Integer, Integer> owned = new java.util.HashMap<>();
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    Integer best = null;
    for (var statement : tx.getStatementsList()) {
      int shard = io.shardlite.common.routing.ShardKeys.shardOf(statement.getShardKey(), shards);
      Integer owner = seen.add(shard) ? ownerEndpoint.get(shard) : null;
      if (owner != null && owned.merge(owner, 1, Integer::sum) > (best == null ? 0 : owned.get(best))) {
        best = owner;
      }
    }
    return best;
  }

  /** Remembers the owner a single-shard write's reply names (when it is one of our endpoints). */
  private void learnOwner(ExecuteReply reply) {
    if (reply.hasError() || reply.getOwnerAddress().isEmpty() || reply.getShardCount() <= 0) {
      return;
    }
    shardCount = reply.getShardCount();
    Integer index = endpointIndex.get(reply.getOwnerAddress());
    if (index != null) {
      ownerEndpoint.put(reply.getShard(), index);
    }
  }

  private void attempt(ExecuteRequest tx, long deadline, int endpoint, long backoffMillis,
      CompletableFuture<ExecuteReply> result) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      result.complete(error(ErrorCode.TIMEOUT, "no outcome within the deadline; retrying with idempotency key "
          + tx.getIdempotencyKey() + " is safe", true));
      return;
    }
    ExecuteRequest attempt = tx.toBuilder().setTimeoutMillis(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)))
        .setAttempt(tx.getAttempt() + 1).build();
    attemptsSent.incrementAndGet();
    send(endpoint, attempt, left + TimeUnit.SECONDS.toNanos(2)).whenComplete((answer, failure) -> {
      ExecuteReply reply = answer;
      if (failure != null) {
        Throwable cause = Completions.cause(failure);
        // The transaction keeps its idempotency key, which the cluster applies at most once.
        reply = cause instanceof StatusRuntimeException s
            ? ExecuteReply.newBuilder().setError(ShardNodeClient.repeatableCallError(s)).build()
            : error(ErrorCode.INTERNAL, String.valueOf(cause), false);
      }
      Error err = reply.hasError() ? reply.getError() : null;
      boolean retry = err != null && (err.getRetryable() || ErrorCodes.retryableByDefault(err.getCode()))
          && deadline - System.nanoTime() > TimeUnit.MILLISECONDS.toNanos(backoffMillis);
      if (!retry) {
        learnOwner(reply);
        result.complete(reply);
        return;
      }
      int nextEndpoint = (endpoint + 1) % channels.size();
      try {
        retriesWaiting.incrementAndGet();
        timer.schedule(() -> {
          retriesWaiting.decrementAndGet();
          attempt(attempt, deadline, nextEndpoint, Math.min(backoffMillis * 2, 500), result);
        }, backoffMillis, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        result.complete(reply);
      }
    });
  }

  /**
   * One attempt on the endpoint's streams (or a unary call where the virtual master has none);
   * fails with the transport's status (DEADLINE_EXCEEDED after {@code waitNanos}).
   */
  private CompletableFuture<ExecuteReply> send(int endpoint, ExecuteRequest attempt, long waitNanos) {
    return streams.get(endpoint).call(attempt, waitNanos);
  }

  private static ExecuteReply error(ErrorCode code, String message, boolean retryable) {
    return ExecuteReply.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(message)
        .setRetryable(retryable).setStatementIndex(-1)).build();
  }

  /** Retries waiting out their back-off now (each will run unless the client is closed first). */
  int retriesWaiting() {
    return retriesWaiting.get();
  }

  /** Attempts sent so far, over all transactions. */
  int attemptsSent() {
    return attemptsSent.get();
  }

  public List<String> endpoints() {
    return endpoints;
  }

  /**
   * Closes the channels. A transaction still without an outcome (in flight or waiting to retry)
   * completes with a retryable UNAVAILABLE: its outcome is unknown, and retrying it with the same
   * idempotency key on another client is safe.
   */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
    for (CompletableFuture<ExecuteReply> result : List.copyOf(pending)) {
      result.complete(error(ErrorCode.UNAVAILABLE, "the client was closed before the outcome was known", true));
    }
  }

  private static ExecuteReply closedReply(ExecuteRequest tx) {
    return error(ErrorCode.UNAVAILABLE, "the client is closed; nothing was sent (idempotency key "
        + tx.getIdempotencyKey() + ")", true);
  }
}
