package io.shardlite.common.shard;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.placement.ClusterObservation;
import io.shardlite.common.placement.GroupObservation;
import io.shardlite.common.placement.HostedGroup;
import io.shardlite.common.placement.PlacementTarget;
import io.shardlite.common.placement.RebalancePlan;
import io.shardlite.common.placement.RebalancePlanner;
import io.shardlite.common.placement.RebalanceStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs rebalance rounds against live shard servers: observe every server, plan with {@link
 * RebalancePlanner}, run the planned steps (in parallel, one per group), report. It keeps no state
 * between rounds, so calling {@link #reconcile} again after a crash or a failed step continues from
 * what the servers show (a group left with RF+1 members is finished by a remove).
 *
 * <p>A move runs as one unit: add the new member through the leader, wait (bounded) until it
 * applied everything committed when the add returned, re-observe the group and check that every
 * member but the one leaving is caught up, move leadership off the leaving member if it leads,
 * remove it through the leader. Any check that fails stops the move where it is; the next round
 * resumes it.
 */
public final class Rebalancer {
  private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);

  /**
   * @param maxMovesInFlight groups mid-move at once (also the number of steps run in parallel)
   * @param maxLagEntries a member more than this many entries behind its leader's commit index is
   *     not caught up (Ratis stages a new member until it is within 1000 entries by default)
   * @param catchUpTimeout how long a round waits for a new member or a leadership change
   * @param pollInterval how often it looks while waiting
   */
  public record Settings(int maxMovesInFlight, long maxLagEntries, Duration catchUpTimeout, Duration pollInterval) {
    public Settings {
      if (maxMovesInFlight < 1 || maxLagEntries < 0 || catchUpTimeout.isNegative() || pollInterval.isNegative()
          || pollInterval.isZero()) {
        throw new IllegalArgumentException("bad rebalance settings: " + maxMovesInFlight + ", " + maxLagEntries + ", "
            + catchUpTimeout + ", " + pollInterval);
      }
    }

    public static Settings defaults() {
      return new Settings(RebalancePlanner.DEFAULT_MAX_MOVES_IN_FLIGHT, 1000, Duration.ofSeconds(30),
          Duration.ofMillis(200));
    }
  }

  /** What happened to one planned step. */
  public record StepOutcome(RebalanceStep step, Result result, String detail) {
    public enum Result {
      /** The step completed. */
      DONE,
      /** It stopped part-way (e.g. added, still catching up); the next round continues it. */
      PARTIAL,
      /** A call failed (typed error in the detail); nothing or part of it happened. */
      FAILED
    }
  }

  /**
   * One round: the plan made from the observation at its start (its progress is the state before
   * the steps ran), what each step did, and the servers that did not answer.
   */
  public record Round(RebalancePlan plan, List<StepOutcome> outcomes, Map<String, String> unreachable) {
    public Round {
      outcomes = List.copyOf(outcomes);
      unreachable = Map.copyOf(unreachable);
    }

    /** Nothing left to do: observed done, no step was needed. */
    public boolean done() {
      return plan.done();
    }

    public int completedSteps() {
      return (int) outcomes.stream().filter(o -> o.result() == StepOutcome.Result.DONE).count();
    }
  }

  private final ShardMembership membership;
  private final Settings settings;
  private final RebalancePlanner planner;

  public Rebalancer(ShardMembership membership, Settings settings) {
    this.membership = membership;
    this.settings = settings;
    this.planner = new RebalancePlanner(settings.maxMovesInFlight());
  }

  /** Looks at every target and leaving server (servers that do not answer are left out). */
  public Observation observe(int shards, PlacementTarget target) {
    Map<String, List<HostedGroup>> listings = new LinkedHashMap<>();
    Map<String, String> unreachable = new LinkedHashMap<>();
    for (String node : allNodes(target)) {
      try {
        listings.put(node, membership.listGroups(node));
      } catch (ShardliteException e) {
        unreachable.put(node, firstLine(e.getMessage()));
      }
    }
    return new Observation(ClusterObservation.fromListings(shards, listings, settings.maxLagEntries()), unreachable);
  }

  /** An observation and the servers that did not answer (with why). */
  public record Observation(ClusterObservation cluster, Map<String, String> unreachable) {}

  /**
   * One reconcile round: observe, plan, run the steps whose preconditions hold (bounded by the
   * catch-up timeout per wait and the membership calls' deadlines), report. Never throws for a
   * server or step failure: those are in the round's outcomes.
   */
  public Round reconcile(int shards, PlacementTarget target) {
    Observation observation = observe(shards, target);
    RebalancePlan plan = planner.plan(observation.cluster(), target);
    if (plan.steps().isEmpty()) {
      return new Round(plan, List.of(), observation.unreachable());
    }
    List<StepOutcome> outcomes = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(plan.steps().size(), settings.maxMovesInFlight()),
        r -> {
          Thread t = new Thread(r, "rebalance-step");
          t.setDaemon(true);
          return t;
        });
    try {
      List<Future<StepOutcome>> running = new ArrayList<>();
      for (RebalanceStep step : plan.steps()) {
        GroupObservation group = observation.cluster().groups().get(step.shard());
        running.add(pool.submit(() -> run(step, group, target)));
      }
      for (int i = 0; i < running.size(); i++) {
        outcomes.add(await(running.get(i), plan.steps().get(i)));
      }
    } finally {
      pool.shutdownNow();
    }
    return new Round(plan, outcomes, observation.unreachable());
  }

  /**
   * Rounds until done, refused or the timeout; {@code onRound} sees each round (for progress).
   *
   * @return the last round
   */
  public Round runUntilDone(int shards, PlacementTarget target, Duration timeout, Consumer<Round> onRound) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Round round;
    do {
      round = reconcile(shards, target);
      onRound.accept(round);
      if (round.done() || round.plan().refused()) {
        return round;
      }
      if (round.completedSteps() == 0) {
        // nothing moved (waiting for catch-up, a leader, a server): look again a little later
        pause(settings.pollInterval());
      }
    } while (System.nanoTime() < deadline);
    return round;
  }

  private StepOutcome await(Future<StepOutcome> f, RebalanceStep step) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new StepOutcome(step, StepOutcome.Result.FAILED, "interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      return new StepOutcome(step, StepOutcome.Result.FAILED, String.valueOf(e.getCause()));
    }
  }

  private StepOutcome run(RebalanceStep step, GroupObservation group, PlacementTarget target) {
    try {
      StepOutcome outcome;
      if (step instanceof RebalanceStep.MoveReplica m) {
        outcome = move(m, group, target);
      } else if (step instanceof RebalanceStep.AddReplica a) {
        outcome = add(step, group, a.node());
      } else if (step instanceof RebalanceStep.RemoveReplica r) {
        outcome = remove(step, r.node(), r.handOffTo(), target);
      } else if (step instanceof RebalanceStep.ReplaceLostReplica r) {
        outcome = replaceLost(r, target);
      } else if (step instanceof RebalanceStep.DropLeftoverCopy d) {
        membership.dropLeftoverCopy(d.node(), d.shard());
        outcome = new StepOutcome(step, StepOutcome.Result.DONE, "dropped");
      } else {
        throw new IllegalStateException("unknown step " + step);
      }
      LOG.info("{}: {} {}", step.describe(), outcome.result(), outcome.detail());
      return outcome;
    } catch (ShardliteException e) {
      LOG.warn("{}: failed: {}", step.describe(), e.getMessage());
      return new StepOutcome(step, StepOutcome.Result.FAILED, firstLine(e.getMessage()));
    }
  }

  private StepOutcome move(RebalanceStep.MoveReplica m, GroupObservation group, PlacementTarget target) {
    StepOutcome added = add(m, group, m.to());
    if (added.result() != StepOutcome.Result.DONE) {
      return added;
    }
    StepOutcome removed = remove(m, m.from(), m.handOffTo(), target);
    return removed.result() == StepOutcome.Result.DONE ? removed
        : new StepOutcome(m, StepOutcome.Result.PARTIAL, "added on " + m.to() + "; " + removed.detail());
  }

  /**
   * Removes a member whose copy is gone, then adds it back empty. Checked again first: the member
   * is still configured, its server answers without the group, the leader is another member and
   * every other member is caught up. Interrupted after the remove, the group is below RF and the
   * next round's repair adds a member.
   */
  private StepOutcome replaceLost(RebalanceStep.ReplaceLostReplica step, PlacementTarget target) {
    int shard = step.shard();
    String node = step.node();
    ClusterObservation now = observeShard(shard, allNodes(target), null);
    GroupObservation g = now.groups().get(shard);
    if (g == null || !g.hasLeader()) {
      return new StepOutcome(step, StepOutcome.Result.PARTIAL, "no leader now; the lost copy on " + node + " waits");
    }
    if (!g.members().contains(node)) {
      return new StepOutcome(step, StepOutcome.Result.DONE, node + " is not a member any more");
    }
    // unreported by a server that answered: its copy is gone (a server that did not answer may be restarting)
    if (!now.reachableNodes().contains(node) || !g.unreported().contains(node)) {
      return new StepOutcome(step, StepOutcome.Result.PARTIAL, node + " does not answer or hosts the group again;"
          + " nothing replaced");
    }
    List<String> behind = g.lagging().stream().filter(m -> !m.equals(node)).toList();
    if (!behind.isEmpty()) {
      return new StepOutcome(step, StepOutcome.Result.PARTIAL, "waiting for " + behind + " to catch up before replacing "
          + node);
    }
    membership.removeReplica(g.leader(), shard, node);
    StepOutcome added = add(step, g, node);
    return added.result() == StepOutcome.Result.DONE ? new StepOutcome(step, StepOutcome.Result.DONE,
        "replaced the lost copy on " + node + "; " + added.detail()) : added;
  }

  /** Adds through the leader, then waits until the new member applied what was committed by then. */
  private StepOutcome add(RebalanceStep step, GroupObservation group, String node) {
    int shard = step.shard();
    membership.addReplica(group.leader(), shard, node);
    Optional<GroupObservation> now = observeGroup(shard, group.members(), node);
    if (now.isEmpty() || !now.get().hasLeader()) {
      return new StepOutcome(step, StepOutcome.Result.PARTIAL, "added on " + node + "; no leader to measure catch-up");
    }
    long committed = commitIndex(now.get().leader(), shard);
    long deadline = System.nanoTime() + settings.catchUpTimeout().toNanos();
    while (true) {
      long applied = appliedIndex(node, shard);
      if (applied >= committed) {
        return new StepOutcome(step, StepOutcome.Result.DONE, "added on " + node + ", caught up to " + applied);
      }
      if (System.nanoTime() > deadline) {
        return new StepOutcome(step, StepOutcome.Result.PARTIAL, "added on " + node + ", still catching up (" + applied
            + " of " + committed + ")");
      }
      pause(settings.pollInterval());
    }
  }

  /**
   * Removes {@code node} once every other member is caught up, after moving leadership off it. The
   * group is observed again first: the plan may be a few seconds old.
   */
  private StepOutcome remove(RebalanceStep step, String node, String handOffTo, PlacementTarget target) {
    int shard = step.shard();
    GroupObservation g = observeGroup(shard, allNodes(target), null).orElse(null);
    if (g == null || !g.hasLeader()) {
      return new StepOutcome(step, StepOutcome.Result.PARTIAL, "no leader now; " + node + " stays for now");
    }
    if (!g.members().contains(node)) {
      return new StepOutcome(step, StepOutcome.Result.DONE, node + " is not a member any more");
    }
    if (g.members().size() - 1 < target.replicationFactor()) {
      return new StepOutcome(step, StepOutcome.Result.PARTIAL, "removing " + node + " would leave "
          + (g.members().size() - 1) + " members, below replication factor " + target.replicationFactor());
    }
    List<String> behind = g.members().stream().filter(m -> !m.equals(node) && g.lagging().contains(m)).toList();
    if (!behind.isEmpty()) {
      return new StepOutcome(step, StepOutcome.Result.PARTIAL, "waiting for " + behind + " to catch up before removing "
          + node);
    }
    String leader = g.leader();
    if (leader.equals(node)) {
      String next = handOffTo != null && g.members().contains(handOffTo) && !handOffTo.equals(node) ? handOffTo
          : g.members().stream().filter(m -> !m.equals(node)).findFirst().orElseThrow();
      membership.transferLeadership(node, shard, next);
      leader = awaitLeaderOtherThan(shard, node, g.members()).orElse(null);
      if (leader == null) {
        return new StepOutcome(step, StepOutcome.Result.PARTIAL, "leadership did not leave " + node + " in time");
      }
    }
    List<String> after = membership.removeReplica(leader, shard, node);
    return new StepOutcome(step, StepOutcome.Result.DONE, "removed " + node + "; members " + after);
  }

  private Optional<String> awaitLeaderOtherThan(int shard, String old, List<String> members) {
    long deadline = System.nanoTime() + settings.catchUpTimeout().toNanos();
    do {
      Optional<GroupObservation> g = observeGroup(shard, members, null);
      if (g.isPresent() && g.get().hasLeader() && !g.get().leader().equals(old)) {
        return Optional.of(g.get().leader());
      }
      pause(settings.pollInterval());
    } while (System.nanoTime() < deadline);
    return Optional.empty();
  }

  private static List<String> allNodes(PlacementTarget target) {
    List<String> all = new ArrayList<>(target.targetNodes());
    all.addAll(target.leavingNodes());
    return all;
  }

  /** The group as the given servers (and {@code extra}) report it now; servers that fail are skipped. */
  private Optional<GroupObservation> observeGroup(int shard, List<String> nodes, String extra) {
    return Optional.ofNullable(observeShard(shard, nodes, extra).groups().get(shard));
  }

  /** One shard as the given servers (and {@code extra}) report it now, with which servers answered. */
  private ClusterObservation observeShard(int shard, List<String> nodes, String extra) {
    Map<String, List<HostedGroup>> listings = new LinkedHashMap<>();
    List<String> all = new ArrayList<>(nodes);
    if (extra != null && !all.contains(extra)) {
      all.add(extra);
    }
    for (String n : all) {
      try {
        listings.put(n, membership.listGroups(n).stream().filter(h -> h.shard() == shard).toList());
      } catch (ShardliteException unreachable) {
        // observed as not reporting
      }
    }
    return ClusterObservation.fromListings(shard + 1, listings, settings.maxLagEntries());
  }

  private long commitIndex(String node, int shard) {
    return find(node, shard).map(HostedGroup::commitIndex).orElse(Long.MAX_VALUE);
  }

  private long appliedIndex(String node, int shard) {
    try {
      return find(node, shard).map(HostedGroup::appliedIndex).orElse(-1L);
    } catch (ShardliteException unreachable) {
      return -1;
    }
  }

  private Optional<HostedGroup> find(String node, int shard) {
    return membership.listGroups(node).stream().filter(h -> h.shard() == shard).findFirst();
  }

  /** Transport errors carry a whole stack trace in their status text: the first line says what happened. */
  private static String firstLine(String message) {
    String line = message == null ? "" : message.lines().findFirst().orElse("");
    int cause = line.indexOf(", cause=");
    return cause > 0 ? line.substring(0, cause) + "}" : line;
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ShardliteException(io.shardlite.proto.ErrorCode.UNAVAILABLE, "interrupted while waiting");
    }
  }
}
