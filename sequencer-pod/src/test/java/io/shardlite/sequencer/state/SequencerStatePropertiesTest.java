package io.shardlite.sequencer.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.AssignLsnsReply;
import io.shardlite.proto.CommandGroup;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.proto.SequencerReply;
import io.shardlite.proto.TxLsn;
import java.util.ArrayList;
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

  /** Group commit must not change semantics: a grouped entry equals its commands' entries one by one. */
  @Property(tries = 40)
  void aGroupedEntryActsExactlyLikeItsCommandsOneByOne(@ForAll @IntRange(min = 1, max = 20) int shards,
      @ForAll long seed) {
    Random random = new Random(seed);
    SequencerState single = SequencerState.initial(new SequencerConfig(shards, 8, 2_000, 50, 50));
    SequencerState grouped = single;
    for (int step = 0; step < 200; ) {
      List<SequencerCommand> commands = new ArrayList<>();
      int size = 1 + random.nextInt(6);
      for (int i = 0; i < size; i++, step++) {
        // Generated against the one-by-one state, which the grouped one must equal anyway.
        SequencerCommand command = Commands.random(random, single, step);
        commands.add(command);
        Applied one = single.apply(command);
        single = one.state();
      }
      List<SequencerReply> expected = new ArrayList<>();
      SequencerState replay = grouped;
      List<ShardOwner> expectedOwners = new ArrayList<>();
      List<Decision> expectedDecisions = new ArrayList<>();
      for (SequencerCommand c : commands) {
        Applied one = replay.apply(c);
        replay = one.state();
        expected.add(one.reply());
        expectedOwners.addAll(one.ownerChanges());
        expectedDecisions.addAll(one.decisions());
      }
      Applied group = grouped.apply(SequencerCommand.newBuilder()
          .setGroup(CommandGroup.newBuilder().addAllCommands(commands)).build());
      assertThat(group.reply().getGroup().getRepliesList()).isEqualTo(expected);
      assertThat(group.ownerChanges()).isEqualTo(expectedOwners);
      assertThat(group.decisions()).isEqualTo(expectedDecisions);
      assertThat(SequencerStateCodec.encode(group.state())).isEqualTo(SequencerStateCodec.encode(single));
      grouped = group.state();
    }
  }

  @Property(tries = 1)
  void emptyAndNestedGroupsAreRejectedWithoutChangingAnything() {
    SequencerState state = SequencerState.initial(new SequencerConfig(4, 8, 2_000, 50, 50));
    Applied empty = state.apply(SequencerCommand.newBuilder().setGroup(CommandGroup.getDefaultInstance()).build());
    assertThat(empty.state()).isSameAs(state);
    assertThat(empty.reply().getError().getCode()).isEqualTo(io.shardlite.proto.ErrorCode.MALFORMED_REQUEST);

    SequencerCommand register = Commands.register("vm-a", 1, 1_000);
    SequencerCommand nested = SequencerCommand.newBuilder().setGroup(CommandGroup.newBuilder().addCommands(register))
        .build();
    Applied outer = state.apply(SequencerCommand.newBuilder()
        .setGroup(CommandGroup.newBuilder().addCommands(nested).addCommands(register)).build());
    List<SequencerReply> replies = outer.reply().getGroup().getRepliesList();
    assertThat(replies).hasSize(2);
    assertThat(replies.get(0).getGroup().getReplies(0).getVm().getError().getCode())
        .isEqualTo(io.shardlite.proto.ErrorCode.MALFORMED_REQUEST);
    // The command after the rejected one still runs.
    assertThat(replies.get(1).getVm().hasError()).isFalse();
    assertThat(outer.state().vms().vms()).hasSize(1);
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
