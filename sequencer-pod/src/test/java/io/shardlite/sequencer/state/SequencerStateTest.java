package io.shardlite.sequencer.state;

import static io.shardlite.sequencer.state.Commands.abortExpired;
import static io.shardlite.sequencer.state.Commands.assign;
import static io.shardlite.sequencer.state.Commands.decide;
import static io.shardlite.sequencer.state.Commands.drain;
import static io.shardlite.sequencer.state.Commands.heartbeat;
import static io.shardlite.sequencer.state.Commands.register;
import static io.shardlite.sequencer.state.Commands.tx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.Outcome;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import io.shardlite.proto.TxState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sequencer's decision logic, without Raft: LSNs, chains, retries, leases, ownership, decisions. */
class SequencerStateTest {
  private static final int SHARDS = 16;
  private static final long LEASE = 1_000;
  private static final long TX_TIMEOUT = 10_000;

  private SequencerState state;

  @BeforeEach
  void setUp() {
    state = SequencerState.initial(new SequencerConfig(SHARDS, 8, TX_TIMEOUT, 100, 100));
  }

  private Applied apply(SequencerCommand command) {
    Applied applied = state.apply(command);
    state = applied.state();
    return applied;
  }

  private AssignLsnsReply assigned(SequencerCommand command) {
    AssignLsnsReply reply = apply(command).reply().getAssigned();
    assertThat(reply.hasError()).as("error %s", reply.getError()).isFalse();
    return reply;
  }

  private void registerAll(long time, String... vms) {
    for (String vm : vms) {
      assertThat(apply(register(vm, time, LEASE)).reply().getVm().hasError()).isFalse();
    }
  }

  private static long lsn(AssignLsnsReply reply, int i) {
    return reply.getTxs(i).getLsn();
  }

  private static Map<Integer, Long> prevs(TxLsn tx) {
    return tx.getPrevList().stream().collect(Collectors.toMap(ShardPrev::getShard, ShardPrev::getPrevLsn));
  }

  private Map<String, Long> load() {
    Map<String, Long> load = new HashMap<>();
    for (ShardOwner s : state.ownership().shards()) {
      load.merge(s.owner(), 1L, Long::sum);
    }
    return load;
  }

  @Test
  void lsnsAreContiguousAndGapFreeAcrossBatchesAndVirtualMasters() {
    registerAll(0, "vm-a", "vm-b");
    List<Long> lsns = new ArrayList<>();
    for (int batch = 0; batch < 20; batch++) {
      TxRequest[] txs = new TxRequest[1 + batch % 8];
      for (int i = 0; i < txs.length; i++) {
        txs[i] = tx("t" + batch + "." + i, (batch + i) % SHARDS);
      }
      AssignLsnsReply reply = assigned(assign("r" + batch, batch % 2 == 0 ? "vm-a" : "vm-b", batch, txs));
      reply.getTxsList().forEach(t -> lsns.add(t.getLsn()));
    }

    assertThat(lsns.get(0)).isEqualTo(1);
    for (int i = 1; i < lsns.size(); i++) {
      assertThat(lsns.get(i)).isEqualTo(lsns.get(i - 1) + 1);
    }
    assertThat(state.nextLsn()).isEqualTo(lsns.get(lsns.size() - 1) + 1);
  }

  @Test
  void eachShardIsGivenThePreviousLsnThatTouchedIt() {
    registerAll(0, "vm-a");
    AssignLsnsReply first = assigned(assign("r1", "vm-a", 1, tx("a", 0), tx("b", 0, 1), tx("c", 1)));
    AssignLsnsReply second = assigned(assign("r2", "vm-a", 2, tx("d", 1, 0), tx("e", 5)));

    assertThat(prevs(first.getTxs(0))).isEqualTo(Map.of(0, 0L));
    assertThat(prevs(first.getTxs(1))).isEqualTo(Map.of(0, 1L, 1, 0L));
    assertThat(prevs(first.getTxs(2))).isEqualTo(Map.of(1, 2L));
    assertThat(second.getTxs(0).getPrevList()).extracting(ShardPrev::getShard).containsExactly(1, 0);
    assertThat(prevs(second.getTxs(0))).isEqualTo(Map.of(0, 2L, 1, 3L));
    assertThat(prevs(second.getTxs(1))).isEqualTo(Map.of(5, 0L));
    assertThat(state.chain().last(0)).isEqualTo(4);
    assertThat(state.chain().last(1)).isEqualTo(4);
    assertThat(state.chain().last(5)).isEqualTo(5);
  }

  /** A shard's owner learns which multi-shard part comes right before its next transaction. */
  @Test
  void aMultiShardPredecessorIsNamedOnEachOfItsShards() {
    registerAll(0, "vm-a");
    AssignLsnsReply first = assigned(assign("r1", "vm-a", 1, tx("a", 0), tx("m", 0, 1), tx("c", 1), tx("d", 0)));
    AssignLsnsReply second = assigned(assign("r2", "vm-a", 2, tx("m2", 1, 0), tx("f", 1)));

    assertThat(multiPrevs(first.getTxs(0))).isEqualTo(Map.of(0, ""));
    assertThat(multiPrevs(first.getTxs(1))).isEqualTo(Map.of(0, "", 1, ""));
    assertThat(multiPrevs(first.getTxs(2))).isEqualTo(Map.of(1, "m"));
    assertThat(multiPrevs(first.getTxs(3))).isEqualTo(Map.of(0, "m"));
    assertThat(multiPrevs(second.getTxs(0))).isEqualTo(Map.of(0, "", 1, ""));
    assertThat(multiPrevs(second.getTxs(1))).isEqualTo(Map.of(1, "m2"));
    assertThat(state.chain().lastMulti(0)).isEqualTo("m2");
    assertThat(state.chain().lastMulti(1)).isEmpty();
    // A snapshot keeps it.
    assertThat(SequencerStateCodec.fromProto(SequencerStateCodec.toProto(state)).chain()).isEqualTo(state.chain());
  }

  private static Map<Integer, String> multiPrevs(io.shardlite.proto.TxLsn tx) {
    return tx.getPrevList().stream().collect(Collectors.toMap(ShardPrev::getShard, ShardPrev::getPrevMultiTxId));
  }

  @Test
  void aRetriedRequestGetsTheIdenticalReplyAndNoNewLsns() {
    registerAll(0, "vm-a");
    AssignLsnsReply original = assigned(assign("r1", "vm-a", 1, tx("a", 0), tx("b", 3, 4)));
    assigned(assign("r2", "vm-a", 2, tx("c", 0)));
    SequencerState before = state;

    Applied retry = apply(assign("r1", "vm-a", 3, tx("a", 0), tx("b", 3, 4)));

    assertThat(retry.reply().getAssigned()).isEqualTo(original);
    assertThat(retry.state()).isSameAs(before);
  }

  @Test
  void aRetryIsAnsweredWithinTheLeaseAndRefusedOnceItExpired() {
    registerAll(0, "vm-a");
    AssignLsnsReply original = assigned(assign("r1", "vm-a", 1, tx("a", 0)));
    SequencerState before = state;

    assertThat(apply(assign("r1", "vm-a", LEASE - 1, tx("a", 0))).reply().getAssigned()).isEqualTo(original);
    assertThat(state).isSameAs(before);

    // Past the lease the virtual master's shards moved on: its retries must not get new LSNs.
    Applied late = apply(assign("r1", "vm-a", LEASE, tx("a", 0)));
    assertThat(late.reply().getAssigned().getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_VM);
    assertThat(state).isSameAs(before);
  }

  @Test
  void repliesAreKeptPerVirtualMasterAndDecisionsWithinTheirWindow() {
    state = SequencerState.initial(new SequencerConfig(SHARDS, 8, TX_TIMEOUT, 10, 10));
    registerAll(0, "vm-a", "vm-b");
    AssignLsnsReply first = assigned(assign("r0", "vm-a", 1, tx("m", 0, 1)));
    apply(decide("m", Outcome.COMMIT, lsn(first, 0), 1));
    for (int i = 1; i <= 9; i++) {
      assigned(assign("r" + i, "vm-a", 1, tx("t" + i, 2)));
    }
    assertThat(state.replies().get("r0")).isPresent();
    assertThat(state.decision("m").getState()).isEqualTo(TxState.TX_DECIDED);

    assigned(assign("r10", "vm-a", 1, tx("t10", 2)));
    AssignLsnsReply other = assigned(assign("b0", "vm-b", 1, tx("b", 3)));

    assertThat(state.replies().get("r0")).isEmpty();
    assertThat(state.replies().get("b0")).contains(other);
    assertThat(state.replies().size()).isEqualTo(11);
    assertThat(state.decision("m").getState()).isEqualTo(TxState.TX_UNKNOWN);
  }

  @Test
  void timeTheSequencerCouldNotServeIsNotHeldAgainstLeases() {
    apply(abortExpired(100));
    registerAll(100, "vm-a");
    // Ticks every 500 ms, then nothing for 5 s (a leader change): the lease survives the gap...
    for (long t = 600; t <= 1_000; t += 400) {
      apply(abortExpired(t));
    }
    apply(abortExpired(6_000));
    assertThat(state.vms().get("vm-a")).isPresent();
    assertThat(load()).containsOnlyKeys("vm-a");
    // ...keeping what was left of it (100 ms), which then runs out as usual without a renewal.
    apply(abortExpired(6_099));
    assertThat(state.vms().get("vm-a")).isPresent();
    apply(abortExpired(6_100));
    assertThat(state.vms().get("vm-a")).isEmpty();
  }

  @Test
  void threeVirtualMastersGetABalancedOwnership() {
    Applied last = null;
    for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
      last = apply(register(vm, 0, LEASE));
    }

    assertThat(load()).containsOnlyKeys("vm-a", "vm-b", "vm-c");
    assertThat(load().values()).allSatisfy(n -> assertThat(n).isBetween(5L, 6L));
    assertThat(state.ownership().shards()).allSatisfy(s -> assertThat(s.epoch()).isPositive());
    assertThat(last.reply().getVm().getOwnedList())
        .extracting(io.shardlite.proto.ShardOwner::getShard)
        .containsExactlyElementsOf(state.ownership().ownedBy("vm-c").stream().map(ShardOwner::shard).toList());
  }

  @Test
  void aVirtualMasterWhoseLeaseExpiresLosesItsShardsWithEpochPlusOneAndNothingElseMoves() {
    registerAll(0, "vm-a", "vm-b", "vm-c");
    apply(heartbeat("vm-b", 600));
    apply(heartbeat("vm-c", 600));
    Ownership before = state.ownership();
    List<ShardOwner> lost = before.ownedBy("vm-a");

    // Any command whose time is at or past vm-a's expiry (0 + LEASE) detects it.
    Applied applied = apply(heartbeat("vm-b", LEASE));

    assertThat(state.vms().get("vm-a")).isEmpty();
    assertThat(applied.ownerChanges()).extracting(ShardOwner::shard)
        .containsExactlyElementsOf(lost.stream().map(ShardOwner::shard).toList());
    for (ShardOwner s : state.ownership().shards()) {
      ShardOwner old = before.of(s.shard());
      if (old.owner().equals("vm-a")) {
        assertThat(s.owner()).isIn("vm-b", "vm-c");
        assertThat(s.epoch()).isEqualTo(old.epoch() + 1);
      } else {
        assertThat(s).isEqualTo(old);
      }
    }
    assertThat(load().values()).allSatisfy(n -> assertThat(n).isEqualTo(8L));
  }

  @Test
  void aHeartbeatRenewsTheLease() {
    registerAll(0, "vm-a");
    assertThat(apply(heartbeat("vm-a", 900)).reply().getVm().getLeaseExpiresMillis()).isEqualTo(1900);

    assertThat(assigned(assign("r", "vm-a", 1500, tx("a", 0))).getTxsCount()).isEqualTo(1);
    assertThat(apply(heartbeat("vm-a", 1900)).reply().getVm().getError().getCode())
        .isEqualTo(ErrorCode.UNKNOWN_VM);
  }

  @Test
  void drainMovesOnlyTheDrainedVirtualMastersShards() {
    registerAll(0, "vm-a", "vm-b", "vm-c");
    Ownership before = state.ownership();
    List<ShardOwner> drained = before.ownedBy("vm-b");

    Applied applied = apply(drain("vm-b", 10));

    assertThat(applied.reply().getVm().getDraining()).isTrue();
    assertThat(applied.reply().getVm().getOwnedList()).isEmpty();
    assertThat(applied.ownerChanges()).extracting(ShardOwner::shard)
        .containsExactlyElementsOf(drained.stream().map(ShardOwner::shard).toList());
    assertThat(applied.ownerChanges()).allSatisfy(s -> {
      assertThat(s.owner()).isIn("vm-a", "vm-c");
      assertThat(s.epoch()).isEqualTo(before.of(s.shard()).epoch() + 1);
    });
    // Still registered: it may finish its work.
    assertThat(assigned(assign("r", "vm-b", 20, tx("a", 0))).getTxsCount()).isEqualTo(1);
    // Registering again makes it a member again.
    apply(register("vm-b", 30, LEASE));
    assertThat(state.ownership().ownedBy("vm-b")).isNotEmpty();
  }

  @Test
  void withoutVirtualMastersNoShardHasAnOwner() {
    registerAll(0, "vm-a");
    long epoch = state.ownership().of(3).epoch();

    apply(abortExpired(LEASE));

    assertThat(state.ownership().shards()).allSatisfy(s -> assertThat(s.owned()).isFalse());
    assertThat(state.ownership().of(3).epoch()).isEqualTo(epoch + 1);
  }

  @Test
  void theFirstDecisionWinsCommitThenAbort() {
    registerAll(0, "vm-a");
    long lsn = lsn(assigned(assign("r", "vm-a", 1, tx("m", 0, 1))), 0);
    assertThat(state.decision("m").getState()).isEqualTo(TxState.TX_UNDECIDED);

    Applied commit = apply(decide("m", Outcome.COMMIT, lsn, 2));
    Applied abort = apply(decide("m", Outcome.ABORT, 0, 3));

    assertThat(commit.reply().getDecided().getWon()).isTrue();
    assertThat(commit.decisions()).extracting(Decision::outcome).containsExactly(Outcome.COMMIT);
    assertThat(abort.reply().getDecided().getWon()).isFalse();
    assertThat(abort.reply().getDecided().getDecision().getOutcome()).isEqualTo(Outcome.COMMIT);
    assertThat(abort.reply().getDecided().getDecision().getLsn()).isEqualTo(lsn);
    assertThat(abort.decisions()).isEmpty();
    assertThat(state.decision("m").getDecision().getOutcome()).isEqualTo(Outcome.COMMIT);
  }

  @Test
  void theFirstDecisionWinsAbortThenCommit() {
    registerAll(0, "vm-a");
    long lsn = lsn(assigned(assign("r", "vm-a", 1, tx("m", 0, 1))), 0);

    apply(decide("m", Outcome.ABORT, 0, 2));
    Applied commit = apply(decide("m", Outcome.COMMIT, lsn, 3));

    assertThat(commit.reply().getDecided().getWon()).isFalse();
    assertThat(commit.reply().getDecided().getDecision().getOutcome()).isEqualTo(Outcome.ABORT);
    assertThat(state.decision("m").getDecision().getOutcome()).isEqualTo(Outcome.ABORT);
  }

  /** A transaction prepared on top of others commits only after them and aborts with any of them. */
  @Test
  void aCommitWaitsForTheTransactionsItDependsOnAndSettlesWithThem() {
    registerAll(0, "vm-a");
    AssignLsnsReply r = assigned(assign("r", "vm-a", 1, tx("p1", 0, 1), tx("p2", 0, 2), tx("p3", 0, 3),
        tx("q", 1, 2)));
    long p1 = lsn(r, 0);
    long p2 = lsn(r, 1);
    long p3 = lsn(r, 2);

    // p3 waits for p1 and p2, p2 for p1: no decision yet, and the replies say so.
    Applied waiting3 = apply(decide("p3", Outcome.COMMIT, p3, 2, "p1", "p2"));
    assertThat(waiting3.reply().getDecided().getWaiting()).isTrue();
    assertThat(waiting3.decisions()).isEmpty();
    assertThat(apply(decide("p2", Outcome.COMMIT, p2, 3, "p1")).reply().getDecided().getWaiting()).isTrue();
    assertThat(state.decision("p3").getState()).isEqualTo(TxState.TX_UNDECIDED);
    // A retry of a waiting commit waits again.
    assertThat(apply(decide("p3", Outcome.COMMIT, p3, 4, "p1", "p2")).reply().getDecided().getWaiting()).isTrue();

    // p1's commit settles the chain in the same entry.
    Applied commit1 = apply(decide("p1", Outcome.COMMIT, p1, 5));
    assertThat(commit1.decisions()).extracting(Decision::txId, Decision::outcome).containsExactly(
        tuple("p1", Outcome.COMMIT), tuple("p2", Outcome.COMMIT), tuple("p3", Outcome.COMMIT));
    assertThat(state.decision("p3").getDecision().getLsn()).isEqualTo(p3);

    // A dependency that aborts takes its dependents with it, and so does one already aborted.
    AssignLsnsReply r2 = assigned(assign("r2", "vm-a", 6, tx("a1", 0, 1), tx("a2", 0, 1), tx("a3", 0, 1)));
    apply(decide("a2", Outcome.COMMIT, lsn(r2, 1), 7, "a1"));
    Applied abort1 = apply(decide("a1", Outcome.ABORT, 0, 8));
    assertThat(abort1.decisions()).extracting(Decision::txId, Decision::outcome).containsExactly(
        tuple("a1", Outcome.ABORT), tuple("a2", Outcome.ABORT));
    Applied late = apply(decide("a3", Outcome.COMMIT, lsn(r2, 2), 9, "a1"));
    assertThat(late.reply().getDecided().getDecision().getOutcome()).isEqualTo(Outcome.ABORT);
    assertThat(late.reply().getDecided().getWon()).isTrue();
    // A dependency the sequencer does not know cannot be shown to have committed.
    Applied unknownDep = apply(decide("q", Outcome.COMMIT, lsn(r, 3), 10, "never-sequenced"));
    assertThat(unknownDep.reply().getDecided().getDecision().getOutcome()).isEqualTo(Outcome.ABORT);
    assertThat(state.decisions().undecided()).isEmpty();
  }

  /**
   * Lanes name only the nearest unresolved part below a speculative one: a chain where each
   * commit names just the one below settles as a whole, in order, both ways.
   */
  @Test
  void aChainThatNamesOnlyTheNearestPartBelowSettlesAsAWhole() {
    registerAll(0, "vm-a");
    AssignLsnsReply r = assigned(assign("r", "vm-a", 1, tx("c1", 0, 1), tx("c2", 0, 1), tx("c3", 0, 1),
        tx("d1", 0, 1), tx("d2", 0, 1), tx("d3", 0, 1)));
    assertThat(apply(decide("c3", Outcome.COMMIT, lsn(r, 2), 2, "c2")).reply().getDecided().getWaiting()).isTrue();
    assertThat(apply(decide("c2", Outcome.COMMIT, lsn(r, 1), 3, "c1")).reply().getDecided().getWaiting()).isTrue();
    assertThat(apply(decide("c1", Outcome.COMMIT, lsn(r, 0), 4)).decisions())
        .extracting(Decision::txId, Decision::outcome)
        .containsExactly(tuple("c1", Outcome.COMMIT), tuple("c2", Outcome.COMMIT), tuple("c3", Outcome.COMMIT));

    apply(decide("d2", Outcome.COMMIT, lsn(r, 4), 5, "d1"));
    assertThat(apply(decide("d1", Outcome.ABORT, 0, 6)).decisions()).extracting(Decision::txId, Decision::outcome)
        .containsExactly(tuple("d1", Outcome.ABORT), tuple("d2", Outcome.ABORT));
    // d3 decides after its nearest part below aborted: it cannot commit either.
    Applied late = apply(decide("d3", Outcome.COMMIT, lsn(r, 5), 7, "d2"));
    assertThat(late.reply().getDecided().getDecision().getOutcome()).isEqualTo(Outcome.ABORT);
    assertThat(state.decisions().undecided()).isEmpty();
  }

  @Test
  void aWaitingCommitIsAbortedOnExpiryOrByAnAbortAndSurvivesASnapshot() {
    registerAll(0, "vm-a");
    AssignLsnsReply r = assigned(assign("r", "vm-a", 100, tx("p1", 0, 1), tx("p2", 0, 1), tx("p3", 0, 1)));
    apply(decide("p2", Outcome.COMMIT, lsn(r, 1), 101, "p1"));
    apply(decide("p3", Outcome.COMMIT, lsn(r, 2), 101, "p2"));
    state = SequencerStateCodec.decode(SequencerStateCodec.encode(state));
    assertThat(state.decisions().undecided().get("p2").commitAfter()).containsExactly("p1");

    // First decision wins: an ABORT of a waiting transaction is recorded, and its dependents follow.
    Applied abort2 = apply(decide("p2", Outcome.ABORT, 0, 102));
    assertThat(abort2.decisions()).extracting(Decision::txId).containsExactly("p2", "p3");
    Applied expired = apply(abortExpired(100 + TX_TIMEOUT));
    assertThat(expired.decisions()).extracting(Decision::txId).containsExactly("p1");
    assertThat(state.decisions().undecided()).isEmpty();
  }

  @Test
  void undecidedTransactionsOlderThanTheTimeoutAreAbortedByCommandTime() {
    registerAll(0, "vm-a");
    AssignLsnsReply r = assigned(assign("r", "vm-a", 100, tx("m", 0, 1), tx("single", 2)));
    apply(heartbeat("vm-a", 100 + TX_TIMEOUT - 500));

    assertThat(apply(abortExpired(100 + TX_TIMEOUT - 1)).decisions()).isEmpty();
    Applied expired = apply(abortExpired(100 + TX_TIMEOUT));

    assertThat(expired.decisions()).containsExactly(
        new Decision("m", Outcome.ABORT, lsn(r, 0), 100 + TX_TIMEOUT));
    assertThat(expired.reply().getExpired().getAbortedList()).extracting(d -> d.getTxId()).containsExactly("m");
    assertThat(state.decision("single").getState()).isEqualTo(TxState.TX_UNKNOWN);
    assertThat(state.decisions().undecided()).isEmpty();
  }

  @Test
  void timeNeverMovesBackwards() {
    registerAll(1_000, "vm-a");
    apply(heartbeat("vm-a", 500));

    assertThat(state.timeMillis()).isEqualTo(1_000);
    assertThat(state.vms().get("vm-a").orElseThrow().expiresMillis()).isEqualTo(1_000 + LEASE);
  }

  @Test
  void badInputGetsATypedErrorAndLeavesTheStateUnchanged() {
    registerAll(0, "vm-a");
    long lsn = lsn(assigned(assign("r0", "vm-a", 1, tx("m", 0, 1))), 0);
    TxRequest[] nine = new TxRequest[9];
    for (int i = 0; i < nine.length; i++) {
      nine[i] = tx("n" + i, 0);
    }
    Map<SequencerCommand, ErrorCode> bad = new java.util.LinkedHashMap<>();
    bad.put(assign("r1", "vm-a", 2, tx("a", SHARDS)), ErrorCode.UNKNOWN_SHARD);
    bad.put(assign("r1", "vm-a", 2, tx("a", 0), tx("b", -1)), ErrorCode.UNKNOWN_SHARD);
    bad.put(assign("r1", "vm-a", 2), ErrorCode.MALFORMED_REQUEST);
    bad.put(assign("r1", "vm-a", 2, nine), ErrorCode.BATCH_TOO_LARGE);
    bad.put(assign("r1", "vm-x", 2, tx("a", 0)), ErrorCode.UNKNOWN_VM);
    bad.put(assign("r1", "vm-a", LEASE, tx("a", 0)), ErrorCode.UNKNOWN_VM);
    bad.put(assign("", "vm-a", 2, tx("a", 0)), ErrorCode.MALFORMED_REQUEST);
    bad.put(assign("r1", "vm-a", 2, tx("a")), ErrorCode.MALFORMED_REQUEST);
    bad.put(assign("r1", "vm-a", 2, tx("", 0)), ErrorCode.MALFORMED_REQUEST);
    bad.put(assign("r1", "vm-a", 2, tx("a", 3, 3)), ErrorCode.MALFORMED_REQUEST);
    bad.put(assign("r1", "vm-a", 2, tx("a", 0), tx("a", 1)), ErrorCode.MALFORMED_REQUEST);
    bad.put(assign("r1", "vm-a", 2, tx("m", 2, 3)), ErrorCode.MALFORMED_REQUEST);
    bad.put(decide("unknown", Outcome.ABORT, 0, 2), ErrorCode.UNKNOWN_TRANSACTION);
    bad.put(decide("m", Outcome.COMMIT, lsn + 1, 2), ErrorCode.MALFORMED_REQUEST);
    bad.put(decide("m", Outcome.OUTCOME_UNSPECIFIED, lsn, 2), ErrorCode.MALFORMED_REQUEST);
    bad.put(decide("", Outcome.ABORT, lsn, 2), ErrorCode.MALFORMED_REQUEST);
    bad.put(heartbeat("vm-x", 2), ErrorCode.UNKNOWN_VM);
    bad.put(drain("vm-x", 2), ErrorCode.UNKNOWN_VM);
    bad.put(register("vm-x", 2, 0), ErrorCode.MALFORMED_REQUEST);
    bad.put(register("", 2, LEASE), ErrorCode.MALFORMED_REQUEST);
    bad.put(SequencerCommand.getDefaultInstance(), ErrorCode.MALFORMED_REQUEST);
    SequencerState before = state;

    bad.forEach((command, code) -> {
      Applied applied = before.apply(command);
      assertThat(errorCode(applied.reply())).as("%s", command).isEqualTo(code);
      assertThat(applied.state()).as("%s", command).isSameAs(before);
      assertThat(applied.ownerChanges()).isEmpty();
      assertThat(applied.decisions()).isEmpty();
    });
    assertThat(before.apply(assign("r1", "vm-a", 2, tx("a", 0))).reply().getAssigned().getTxs(0).getLsn())
        .isEqualTo(lsn + 1);
  }

  private static ErrorCode errorCode(SequencerReply reply) {
    switch (reply.getBodyCase()) {
      case ASSIGNED:
        return reply.getAssigned().getError().getCode();
      case VM:
        return reply.getVm().getError().getCode();
      case DECIDED:
        return reply.getDecided().getError().getCode();
      case EXPIRED:
        return reply.getExpired().getError().getCode();
      case ERROR:
        return reply.getError().getCode();
      default:
        return ErrorCode.ERROR_CODE_UNSPECIFIED;
    }
  }
}
