package io.shardlite.operator.rebalance;

import io.shardlite.common.placement.PlacementTarget;
import io.shardlite.common.placement.RebalancePlan;
import io.shardlite.common.placement.RebalancePlanner;
import io.shardlite.common.shard.GrpcShardMembership;
import io.shardlite.common.shard.Rebalancer;
import io.shardlite.common.shard.ShardMembership;
import io.shardlite.common.shard.ShardServerAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rebalancer the operator runs: each step observes the placement through the shard pods' admin
 * API (bounded by a per-call deadline), plans with the pure {@link RebalancePlanner}, and when moves
 * are needed starts one {@link Rebalancer} round for the cluster in the background. A round can
 * take tens of seconds (a new member catches up by snapshot), so the reconciler never waits for
 * it: the next step sees what it did. At most one round runs per cluster; rounds are stateless, so
 * an operator restart mid-move is finished by the next leader's rounds.
 *
 * <p>Moves start only while every target pod is ready and answers; a leaving pod may be down (it
 * is drained anyway, and a copy it still holds when it returns is dropped before it counts as
 * empty).
 */
public final class MovingRebalancer implements ShardRebalancer, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MovingRebalancer.class);

  private static final Duration FINISHING = Duration.ofSeconds(5);

  private final Function<List<ShardServerAddress>, ShardMembership> connect;
  private final Rebalancer.Settings settings;
  private final ExecutorService rounds = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "shard-rebalance-round");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, ClusterRounds> clusters = new ConcurrentHashMap<>();

  /** What the operator learned about one cluster's rounds (kept across steps, lost on restart). */
  private static final class ClusterRounds {
    PlacementTarget target;
    CompletableFuture<Rebalancer.Round> running;
    int movesDone;
    String lastProblem;
  }

  /**
   * @param connect opens a membership client for the given shard servers (closed after use)
   * @param settings bounds of one round (moves in flight, catch-up wait)
   */
  public MovingRebalancer(Function<List<ShardServerAddress>, ShardMembership> connect, Rebalancer.Settings settings) {
    this.connect = connect;
    this.settings = settings;
  }

  /** Over gRPC: {@code callDeadline} per listing or leadership call, {@code membershipDeadline} per add or remove. */
  public static MovingRebalancer overGrpc(Duration callDeadline, Duration membershipDeadline) {
    return new MovingRebalancer(servers -> new GrpcShardMembership(servers, callDeadline, membershipDeadline),
        Rebalancer.Settings.defaults());
  }

  @Override
  public RebalanceProgress step(RebalanceRequest request) {
    List<ShardServerAddress> servers = request.pods().stream()
        .map(p -> new ShardServerAddress(p.name(), p.host(), p.grpcPort(), p.raftAddress())).toList();
    PlacementTarget target = PlacementTarget.ofOrdinals(request.pods().stream().map(ShardPodRef::name).toList(),
        request.targetPods(), request.replicationFactor());
    ClusterRounds state = clusters.computeIfAbsent(request.namespace() + "/" + request.cluster(),
        k -> new ClusterRounds());
    synchronized (state) {
      Rebalancer.Observation observation;
      try (ShardMembership membership = connect.apply(servers)) {
        observation = new Rebalancer(membership, settings).observe(request.shards(), target);
      }
      RebalancePlan plan = new RebalancePlanner(settings.maxMovesInFlight()).plan(observation.cluster(), target);
      if (plan.done() && state.running != null) {
        // The look saw the round's last move; let it finish closing its channels so it is counted.
        awaitQuietly(state.running, FINISHING);
      }
      // After the look, so a round whose effect the look saw is also counted as done.
      harvest(state, target);
      boolean roundRunning = state.running != null;
      List<String> notReady = request.pods().stream()
          .filter(p -> p.ordinal() < request.targetPods() && !p.ready()).map(ShardPodRef::name).toList();
      PlacementReport.Activity activity;
      if (plan.done() || plan.refused()) {
        activity = PlacementReport.Activity.IDLE;
      } else if (roundRunning) {
        activity = PlacementReport.Activity.ROUND_RUNNING;
      } else if (!notReady.isEmpty()) {
        activity = PlacementReport.Activity.WAITING_FOR_PODS;
      } else if (plan.steps().isEmpty()) {
        activity = PlacementReport.Activity.STUCK;
      } else {
        start(state, request, servers, target);
        activity = PlacementReport.Activity.ROUND_STARTED;
      }
      return PlacementReport.of(request, observation, plan, activity, notReady, state.movesDone, state.lastProblem);
    }
  }

  private static void awaitQuietly(CompletableFuture<?> round, Duration atMost) {
    try {
      round.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // a failed round is logged where it ran; a slow one is counted by a later step
    }
  }

  /** Takes in what the last round did; a new target resets the count of moves done. */
  private static void harvest(ClusterRounds state, PlacementTarget target) {
    if (!target.equals(state.target)) {
      state.target = target;
      state.movesDone = 0;
      state.lastProblem = null;
    }
    if (state.running == null || !state.running.isDone()) {
      return;
    }
    Rebalancer.Round round = state.running.getNow(null);
    state.running = null;
    if (round == null) {
      return; // the round threw; logged where it ran
    }
    state.movesDone += round.completedSteps();
    state.lastProblem = round.outcomes().stream()
        .filter(o -> o.result() == Rebalancer.StepOutcome.Result.FAILED)
        .map(o -> o.step().describe() + ": " + o.detail()).findFirst().orElse(null);
  }

  private void start(ClusterRounds state, RebalanceRequest request, List<ShardServerAddress> servers,
      PlacementTarget target) {
    String cluster = request.namespace() + "/" + request.cluster();
    state.running = CompletableFuture.supplyAsync(() -> {
      try (ShardMembership membership = connect.apply(servers)) {
        Rebalancer.Round round = new Rebalancer(membership, settings).reconcile(request.shards(), target);
        LOG.info("{}: rebalance round: {} step(s) done of {}; {}", cluster, round.completedSteps(),
            round.outcomes().size(), round.plan().progress().summary());
        return round;
      } catch (RuntimeException e) {
        LOG.warn("{}: rebalance round failed", cluster, e);
        throw e;
      }
    }, rounds);
  }

  @Override
  public void close() {
    rounds.shutdownNow();
  }
}
