package io.shardlite.sequencer.server;

import io.shardlite.proto.OwnershipUpdate;
import io.shardlite.proto.VmAddress;
import io.shardlite.sequencer.state.Decision;
import io.shardlite.sequencer.state.SequencerState;
import io.shardlite.sequencer.state.ShardOwner;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Watch streams of ownership changes and decisions. A new watcher gets the full table and then
 * every later change without a gap or a repeat: subscribing and publishing take the same lock, and
 * the state machine publishes after each applied entry.
 */
final class SequencerWatchers {

  /** One subscriber; {@code include decisions} as it asked. */
  record Watcher(boolean includeDecisions, Consumer<OwnershipUpdate> sink) {}

  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

  /** Registers a watcher and sends it the full table of {@code state} at {@code appliedIndex}. */
  synchronized Watcher subscribe(SequencerState state, long appliedIndex, boolean includeDecisions,
      Consumer<OwnershipUpdate> sink) {
    OwnershipUpdate.Builder full = OwnershipUpdate.newBuilder().setFull(true).setAppliedIndex(appliedIndex);
    state.ownership().shards().forEach(s -> full.addOwners(s.toProto()));
    addVms(full, state);
    sink.accept(full.build());
    Watcher watcher = new Watcher(includeDecisions, sink);
    watchers.add(watcher);
    return watcher;
  }

  void unsubscribe(Watcher watcher) {
    watchers.remove(watcher);
  }

  int size() {
    return watchers.size();
  }

  private static void addVms(OwnershipUpdate.Builder update, SequencerState state) {
    state.vms().vms().values().forEach(vm -> update.addVms(VmAddress.newBuilder()
        .setVmId(vm.vmId()).setAddress(vm.address()).setDraining(vm.draining())));
  }

  /** Sends the changes of one applied entry to every watcher that wants them. */
  synchronized void publish(long appliedIndex, SequencerState state, List<ShardOwner> ownerChanges,
      List<Decision> decisions) {
    if (watchers.isEmpty() || (ownerChanges.isEmpty() && decisions.isEmpty())) {
      return;
    }
    OwnershipUpdate.Builder owners = OwnershipUpdate.newBuilder().setAppliedIndex(appliedIndex);
    ownerChanges.forEach(s -> owners.addOwners(s.toProto()));
    if (!ownerChanges.isEmpty()) {
      addVms(owners, state);
    }
    OwnershipUpdate ownersOnly = owners.build();
    decisions.forEach(d -> owners.addDecisions(d.toProto()));
    OwnershipUpdate withDecisions = owners.build();
    for (Watcher w : watchers) {
      OwnershipUpdate update = w.includeDecisions() ? withDecisions : ownersOnly;
      if (update.getOwnersCount() > 0 || update.getDecisionsCount() > 0) {
        w.sink().accept(update);
      }
    }
  }
}
