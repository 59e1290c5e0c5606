package io.shardlite.sequencer.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import io.shardlite.proto.TxLsn;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Invariants that hold after every command of long random histories (valid and bad commands). */
class SequencerStatePropertiesTest {

  @Property(tries = 60)
  void invariantsHoldAfterEveryCommand(@ForAll @IntRange(min = 1, max = 40) int shards, @ForAll long seed) {
    Random random = new Random(seed);
    SequencerState state = SequencerState.initial(new SequencerConfig(shards, 8, 2_000, 50, 50));
    Map<String, AssignLsnsReply> answered = new HashMap<>();

    for (int step = 0; step < 300; step++) {
      SequencerCommand command = Commands.random(random, state, step);
      Applied applied = state.apply(command);
      SequencerState next = applied.state();
      SequencerState prior = state;

      if (rejected(applied.reply())) {
        assertThat(next).isSameAs(state);
      } else {
        assertThat(next.timeMillis()).isGreaterThanOrEqualTo(state.timeMillis());
      }
      if (command.hasAssign() && !rejected(applied.reply())) {
        AssignLsnsReply reply = applied.reply().getAssigned();
        AssignLsnsReply earlier = answered.putIfAbsent(reply.getRequestId(), reply);
        if (next.nextLsn() == state.nextLsn()) {
          // Nothing assigned: only a retry within the window, answered as the first time.
          assertThat(earlier).isNotNull();
          assertThat(reply).isEqualTo(earlier);
          assertThat(state.replies().get(reply.getRequestId())).contains(earlier);
        } else {
          answered.put(reply.getRequestId(), reply);
          // Fresh LSNs: contiguous from nextLsn, each shard linked to its previous LSN.
          long expected = state.nextLsn();
          Map<Integer, Long> last = new HashMap<>();
          for (TxLsn tx : reply.getTxsList()) {
            assertThat(tx.getLsn()).isEqualTo(expected++);
            tx.getPrevList().forEach(p -> assertThat(p.getPrevLsn())
                .isEqualTo(last.getOrDefault(p.getShard(), prior.chain().last(p.getShard()))));
            tx.getPrevList().forEach(p -> last.put(p.getShard(), tx.getLsn()));
          }
          assertThat(next.nextLsn()).isEqualTo(expected);
        }
      }
      assertOwnership(state.ownership(), next, applied.ownerChanges());
      state = next;
    }
  }

  private static void assertOwnership(Ownership before, SequencerState next, List<ShardOwner> changes) {
    Set<String> members = next.vms().owners();
    Map<String, Integer> load = new HashMap<>();
    for (ShardOwner s : next.ownership().shards()) {
      ShardOwner old = before.of(s.shard());
      // One command may change a shard's owner twice (a lease expires, then a registration):
      // each change raises the epoch by one.
      if (s.owner().equals(old.owner())) {
        assertThat(s.epoch()).isIn(old.epoch(), old.epoch() + 2);
      } else {
        assertThat(s.epoch()).isBetween(old.epoch() + 1, old.epoch() + 2);
      }
      if (s.equals(old)) {
        assertThat(changes).doesNotContain(s);
      } else {
        assertThat(changes).contains(s);
      }
      if (members.isEmpty()) {
        assertThat(s.owned()).isFalse();
      } else {
        assertThat(members).contains(s.owner());
        load.merge(s.owner(), 1, Integer::sum);
      }
    }
    int shards = next.config().shards();
    for (String m : members) {
      assertThat(load.getOrDefault(m, 0))
          .isBetween(shards / members.size(), (shards + members.size() - 1) / members.size());
    }
  }

  private static boolean rejected(SequencerReply reply) {
    switch (reply.getBodyCase()) {
      case ASSIGNED:
        return reply.getAssigned().hasError();
      case VM:
        return reply.getVm().hasError();
      case DECIDED:
        return reply.getDecided().hasError();
      case EXPIRED:
        return reply.getExpired().hasError();
      default:
        return true;
    }
  }
}
