package io.shardlite.sequencer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.Outcome;
import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.RegisterVm;
import io.shardlite.proto.SequencerCommand;
import io.shardlite.sequencer.state.Applied;
import io.shardlite.sequencer.state.Decision;
import io.shardlite.sequencer.state.SequencerConfig;
import io.shardlite.sequencer.state.SequencerState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequencerWatchersTest {
  private final SequencerWatchers watchers = new SequencerWatchers();

  @Test
  void aWatcherGetsTheFullTableThenOnlyChanges() {
    Applied registered = SequencerState.initial(SequencerConfig.defaults(4)).apply(SequencerCommand.newBuilder()
        .setRegister(RegisterVm.newBuilder().setVmId("vm-a").setLeaseMillis(1000).setTimeMillis(1)).build());
    List<OwnershipUpdate> seen = new ArrayList<>();

    watchers.subscribe(registered.state(), 7, false, seen::add);
    watchers.publish(8, registered.state(), List.of(), List.of());
    watchers.publish(9, registered.state(), registered.ownerChanges(), List.of());

    assertThat(seen).hasSize(2);
    assertThat(seen.get(0).getFull()).isTrue();
    assertThat(seen.get(0).getAppliedIndex()).isEqualTo(7);
    assertThat(seen.get(0).getOwnersList()).hasSize(4).allSatisfy(o -> assertThat(o.getOwner()).isEqualTo("vm-a"));
    assertThat(seen.get(1).getFull()).isFalse();
    assertThat(seen.get(1).getAppliedIndex()).isEqualTo(9);
    assertThat(seen.get(1).getOwnersCount()).isEqualTo(4);
    assertThat(seen.get(1).getVmsList()).extracting(v -> v.getVmId()).containsExactly("vm-a");
  }

  @Test
  void decisionsGoOnlyToWatchersThatAskedForThem() {
    SequencerState state = SequencerState.initial(SequencerConfig.defaults(2));
    List<OwnershipUpdate> owners = new ArrayList<>();
    List<OwnershipUpdate> all = new ArrayList<>();
    watchers.subscribe(state, 0, false, owners::add);
    SequencerWatchers.Watcher w = watchers.subscribe(state, 0, true, all::add);

    watchers.publish(1, state, List.of(), List.of(new Decision("tx", Outcome.COMMIT, 5, 10)));

    assertThat(owners).hasSize(1);
    assertThat(all).hasSize(2);
    assertThat(all.get(1).getDecisions(0).getTxId()).isEqualTo("tx");

    watchers.unsubscribe(w);
    watchers.publish(2, state, List.of(), List.of(new Decision("tx2", Outcome.ABORT, 6, 11)));
    assertThat(all).hasSize(2);
  }
}
