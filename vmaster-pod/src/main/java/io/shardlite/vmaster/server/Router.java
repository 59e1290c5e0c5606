package io.shardlite.vmaster.server;

import io.grpc.ManagedChannel;
import io.shardlite.common.client.TransactionIds;
import io.shardlite.common.concurrent.Completions;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.routing.ShardKeys;
import io.shardlite.common.rpc.Channels;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.common.sql.StatementRoute;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.ShardOwner;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.Statement;
import io.shardlite.proto.TxStatement;
import io.shardlite.proto.VirtualMasterGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Takes any transaction and gets it done where it belongs: reads go to the shard group
 * (linearizable by read index, or a follower within a staleness bound); writes go to the lane of
 * the shard's owner, here or on the owning virtual master (forwarded once).
 *
 * <p>A transaction keeps one id (its idempotency key, or one picked here) across every attempt,
 * and shards apply an id at most once, so retrying a retryable failure is always safe; the router
 * does so itself until the deadline, which hides ownership moves and leader changes from clients.
 */
final class Router {
  private final String vmId;
  private final int shards;
  private final OwnershipView view;
  private final Lanes lanes;
  private final ShardDirectory directory;
  private final VmMetrics metrics;
  private final ExecutorService blocking;
  private final ScheduledExecutorService timer;
  private final long defaultTimeoutMillis;
  private final int maxTxBytes;
  private final Map<String, ManagedChannel> peers = new ConcurrentHashMap<>();
  private final Coordinator coordinator;
  /** This virtual master's client API address. */
  private final java.util.function.Supplier<String> address;
  private volatile boolean draining;
  // Set once this virtual master is registered and has its LSN stream: the gRPC server listens
  // before that (the advertised address needs its port), and a transaction then must be refused.
  private volatile boolean serving;

  Router(String vmId, int shards, OwnershipView view, Lanes lanes, ShardDirectory directory, VmMetrics metrics,
      io.shardlite.common.sequencer.SequencerClient sequencer, ExecutorService blocking, ScheduledExecutorService timer,
      long defaultTimeoutMillis, int maxTxBytes, java.util.function.Supplier<String> address) {
    this.coordinator = new Coordinator(vmId, view, lanes, sequencer, this::channel, blocking, timer, metrics, address);
    this.address = address;
    this.vmId = vmId;
    this.shards = shards;
    this.view = view;
    this.lanes = lanes;
    this.directory = directory;
    this.metrics = metrics;
    this.blocking = blocking;
    this.timer = timer;
    this.defaultTimeoutMillis = defaultTimeoutMillis;
    this.maxTxBytes = maxTxBytes;
  }

  /** Whether a multi-shard transaction is being coordinated here (participant lanes ask). */
  boolean coordinating(String txId) {
    return coordinator.running(txId);
  }

  void drain() {
    draining = true;
  }

  /** Starts accepting transactions (after registering with the sequencer). */
  void serve() {
    serving = true;
  }

  CompletableFuture<ExecuteReply> execute(ExecuteRequest request) {
    long start = System.nanoTime();
    ExecuteReply invalid = validate(request);
    if (invalid != null) {
      metrics.answered("invalid", invalid, start);
      return CompletableFuture.completedFuture(invalid);
    }
    long timeout = request.getTimeoutMillis() > 0 ? request.getTimeoutMillis() : defaultTimeoutMillis;
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeout);
    ExecuteRequest tx = request.getIdempotencyKey().isEmpty()
        ? request.toBuilder().setIdempotencyKey(vmId + "/" + TransactionIds.next()).build() : request;
    List<String> sqls = tx.getStatementsList().stream().map(TxStatement::getSql).toList();
    StatementRoute kind = StatementKinds.ofAll(sqls);
    CompletableFuture<ExecuteReply> result;
    TreeSet<Integer> touched = shardsOf(tx);
    if (kind == StatementRoute.DDL && !tx.hasShard()) {
      // The schema is the same everywhere: DDL is one multi-shard transaction over every shard.
      touched = new TreeSet<>();
      for (int s = 0; s < shards; s++) {
        touched.add(s);
      }
    }
    if (touched.size() > 1) {
      TreeSet<Integer> participants = touched;
      // A key picked here is new; a client's key is known new only on its declared first attempt.
      boolean firstAttempt = request.getIdempotencyKey().isEmpty() || request.getAttempt() == 1;
      result = coordinator.run(tx.getIdempotencyKey(), firstAttempt, parts(tx, participants, kind == StatementRoute.DDL),
          tx.getStatementsCount(), kind == StatementRoute.READ, deadline);
    } else if (kind == StatementRoute.READ && tx.getConsistency() != Consistency.FOLLOWER) {
      // A linearizable read is ordered like a write: it gets an LSN and the owner's lane reads the
      // shard at that place (a read item), after every write and multi-shard part below it. A
      // read-index read of the shard group alone missed a multi-shard transaction with a lower LSN
      // whose part had not reached the shard yet, though a transaction with a higher LSN was
      // already acknowledged (a real-time cycle ListAppendIT found). Each attempt is a new read.
      // One part: its shard, every statement (built per attempt, as each is a new transaction).
      TreeSet<Integer> shard = touched;
      result = withRetries(() -> coordinator.run(tx.getIdempotencyKey(), true, parts(tx, shard, true),
          tx.getStatementsCount(), true, deadline), deadline);
    } else {
      int shard = touched.first();
      result = withRetries(() -> kind == StatementRoute.READ ? read(shard, tx, deadline) : write(shard, tx, deadline),
          deadline);
    }
    return result.thenApply(reply -> {
      metrics.answered(kind.name().toLowerCase(java.util.Locale.ROOT), reply, start);
      return reply;
    });
  }

  private ExecuteReply validate(ExecuteRequest request) {
    if (draining && !request.getForwarded()) {
      return Errors.reply(ErrorCode.UNAVAILABLE, "virtual master " + vmId + " is draining; use another", true);
    }
    if (!serving) {
      return Errors.reply(ErrorCode.UNAVAILABLE, "virtual master " + vmId + " is starting; retry", true);
    }
    if (request.getStatementsCount() == 0) {
      return Errors.reply(ErrorCode.MALFORMED_REQUEST, "a transaction needs at least one statement", false);
    }
    for (int i = 0; i < request.getStatementsCount(); i++) {
      if (request.getStatements(i).getSql().isBlank()) {
        return Errors.reply(ErrorCode.MALFORMED_REQUEST, "statement " + i + " has no SQL", false);
      }
    }
    if (request.getSerializedSize() > maxTxBytes) {
      return Errors.reply(ErrorCode.BATCH_TOO_LARGE, "the transaction is " + request.getSerializedSize()
          + " bytes; the limit is " + maxTxBytes, false);
    }
    if (request.hasShard() && (request.getShard() < 0 || request.getShard() >= shards)) {
      return Errors.reply(ErrorCode.UNKNOWN_SHARD, "shard " + request.getShard() + " does not exist; shards are 0.."
          + (shards - 1), false);
    }
    if (request.getTimeoutMillis() < 0) {
      return Errors.reply(ErrorCode.MALFORMED_REQUEST, "timeout_millis must not be negative", false);
    }
    return null;
  }

  private TreeSet<Integer> shardsOf(ExecuteRequest tx) {
    TreeSet<Integer> touched = new TreeSet<>();
    if (tx.hasShard()) {
      touched.add(tx.getShard());
    } else {
      tx.getStatementsList().forEach(s -> touched.add(ShardKeys.shardOf(s.getShardKey(), shards)));
    }
    return touched;
  }

  /**
   * Each shard's statements (all of them in every part when {@code everywhere}: DDL, which every
   * shard runs, and a one-shard read), with their indexes.
   */
  private java.util.SortedMap<Integer, Coordinator.Part> parts(ExecuteRequest tx, TreeSet<Integer> participants,
      boolean everywhere) {
    java.util.SortedMap<Integer, Coordinator.Part> parts = new java.util.TreeMap<>();
    for (int shard : participants) {
      parts.put(shard, new Coordinator.Part(new ArrayList<>(), new ArrayList<>()));
    }
    List<Statement> all = statements(tx);
    for (int i = 0; i < all.size(); i++) {
      if (everywhere) {
        for (Coordinator.Part p : parts.values()) {
          p.indexes().add(i);
          p.statements().add(all.get(i));
        }
      } else {
        Coordinator.Part p = parts.get(ShardKeys.shardOf(tx.getStatements(i).getShardKey(), shards));
        p.indexes().add(i);
        p.statements().add(all.get(i));
      }
    }
    return parts;
  }

  private CompletableFuture<ExecuteReply> write(int shard, ExecuteRequest tx, long deadline) {
    ShardOwner owner = view.owner(shard).orElse(null);
    if (owner == null) {
      return CompletableFuture.completedFuture(Errors.unavailable("shard " + shard + " has no owner right now"));
    }
    if (owner.getOwner().equals(vmId)) {
      Lane lane = lanes.lane(shard);
      if (lane == null || lane.isStopped() || lane.epoch() != owner.getEpoch()) {
        return CompletableFuture.completedFuture(Errors.unavailable("shard " + shard + " is being taken over here"));
      }
      CompletableFuture<ExecuteReply> reply = new CompletableFuture<>();
      lane.submit(new Lane.Work(tx.getIdempotencyKey(), statements(tx), reply, deadline));
      // Tells the client where this shard's writes go without a forward.
      return reply.thenApply(r -> r.hasError() ? r
          : r.toBuilder().setOwnerAddress(address.get()).setShardCount(shards).build());
    }
    if (tx.getForwarded()) {
      return CompletableFuture.completedFuture(Errors.unavailable(
          "virtual master " + vmId + " does not own shard " + shard + " (ownership is moving)"));
    }
    return forward(owner.getOwner(), shard, tx, deadline);
  }

  private CompletableFuture<ExecuteReply> forward(String owner, int shard, ExecuteRequest tx, long deadline) {
    String address = view.address(owner).orElse(null);
    if (address == null || address.isEmpty()) {
      return CompletableFuture.completedFuture(Errors.unavailable("no address known for virtual master " + owner));
    }
    metrics.forwarded();
    ManagedChannel channel = channel(address);
    long left = Math.max(1, deadline - System.nanoTime());
    return Completions.of(VirtualMasterGrpc.newFutureStub(channel)
        .withDeadlineAfter(left, TimeUnit.NANOSECONDS)
        .execute(tx.toBuilder().setForwarded(true).setShard(shard)
            .setTimeoutMillis(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))).build()))
        // The transaction keeps its id, which the shard applies at most once.
        .exceptionally(e -> e instanceof io.grpc.StatusRuntimeException s
            ? ExecuteReply.newBuilder().setError(ShardNodeClient.repeatableCallError(s)).build()
            : Errors.reply(e));
  }

  /** One channel per other virtual master. */
  ManagedChannel channel(String address) {
    return peers.computeIfAbsent(address, a -> {
      int colon = a.lastIndexOf(':');
      return Channels.to(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)));
    });
  }

  private CompletableFuture<ExecuteReply> read(int shard, ExecuteRequest tx, long deadline) {
    return CompletableFuture.supplyAsync(() -> {
      List<ShardNodeClient> servers = directory.serversOf(shard);
      if (servers.isEmpty()) {
        directory.refresh();
        return Errors.unavailable("no shard server is known to host shard " + shard);
      }
      // Follower reads may use any replica; a linearizable read goes to the leader's server.
      ShardNodeClient server = tx.getConsistency() == Consistency.FOLLOWER
          ? servers.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(servers.size())) : servers.get(0);
      try {
        ShardResult r = server.read(shard, tx.getConsistency(), tx.getMaxLagMillis(), statements(tx));
        return r.hasError() ? ExecuteReply.newBuilder().setError(r.getError()).setShard(shard).build()
            : ExecuteReply.newBuilder().addAllResults(r.getResultsList()).setShard(shard).build();
      } catch (ShardliteException e) {
        directory.refresh();
        return ExecuteReply.newBuilder().setError(e.toProto()).build();
      }
    }, blocking);
  }

  /** Repeats an attempt that failed retryably (same transaction id) until it succeeds or the deadline. */
  private CompletableFuture<ExecuteReply> withRetries(java.util.function.Supplier<CompletableFuture<ExecuteReply>> attempt,
      long deadline) {
    CompletableFuture<ExecuteReply> result = new CompletableFuture<>();
    tryOnce(attempt, deadline, 10, result);
    return result;
  }

  private void tryOnce(java.util.function.Supplier<CompletableFuture<ExecuteReply>> attempt, long deadline,
      long backoffMillis, CompletableFuture<ExecuteReply> result) {
    CompletableFuture<ExecuteReply> f;
    try {
      f = attempt.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.completedFuture(Errors.reply(e));
    }
    f.whenComplete((reply, error) -> {
      ExecuteReply r = error != null ? Errors.reply(error) : reply;
      boolean again = r.hasError() && Errors.retryable(r.getError())
          && deadline - System.nanoTime() > TimeUnit.MILLISECONDS.toNanos(backoffMillis);
      if (!again) {
        result.complete(r);
        return;
      }
      metrics.retried(r.getError().getCode());
      timer.schedule(() -> tryOnce(attempt, deadline, Math.min(backoffMillis * 2, 500), result),
          backoffMillis, TimeUnit.MILLISECONDS);
    });
  }

  private static List<Statement> statements(ExecuteRequest tx) {
    List<Statement> list = new ArrayList<>(tx.getStatementsCount());
    tx.getStatementsList().forEach(s -> list.add(Statement.newBuilder().setSql(s.getSql()).addAllParams(s.getParamsList()).build()));
    return list;
  }

  void close() {
    peers.values().forEach(ManagedChannel::shutdownNow);
  }
}
