package io.shardlite.sequencer.state;

import io.shardlite.common.ownership.RendezvousAssignment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The owner and epoch of every shard.
 *
 * @param shards index = shard id
 */
public record Ownership(List<ShardOwner> shards) {

  public Ownership {
    shards = List.copyOf(shards);
  }

  public static Ownership unowned(int shards) {
    List<ShardOwner> owners = new ArrayList<>(shards);
    for (int s = 0; s < shards; s++) {
      owners.add(new ShardOwner(s, "", 0));
    }
    return new Ownership(owners);
  }

  public ShardOwner of(int shard) {
    return shards.get(shard);
  }

  /** The shards {@code vmId} owns, in shard order. */
  public List<ShardOwner> ownedBy(String vmId) {
    List<ShardOwner> owned = new ArrayList<>();
    for (ShardOwner s : shards) {
      if (s.owner().equals(vmId)) {
        owned.add(s);
      }
    }
    return owned;
  }

  /**
   * Owners for the given members by {@link RendezvousAssignment#reassign} (balanced, minimal
   * movement); every shard whose owner changes gets epoch + 1, the others keep theirs. Returns
   * this same instance when nothing changes.
   */
  Ownership reassign(Collection<String> members) {
    Map<Integer, String> current = new HashMap<>();
    for (ShardOwner s : shards) {
      if (s.owned()) {
        current.put(s.shard(), s.owner());
      }
    }
    Map<Integer, String> next = RendezvousAssignment.reassign(current, shards.size(), members);
    List<ShardOwner> owners = new ArrayList<>(shards.size());
    boolean changed = false;
    for (ShardOwner s : shards) {
      String owner = next.getOrDefault(s.shard(), "");
      if (owner.equals(s.owner())) {
        owners.add(s);
      } else {
        owners.add(new ShardOwner(s.shard(), owner, s.epoch() + 1));
        changed = true;
      }
    }
    return changed ? new Ownership(owners) : this;
  }

  /** The shards whose owner or epoch differs in {@code next}, as they are in {@code next}. */
  public List<ShardOwner> changesTo(Ownership next) {
    if (next == this) {
      return List.of();
    }
    List<ShardOwner> changes = new ArrayList<>();
    for (ShardOwner s : next.shards()) {
      if (!s.equals(shards.get(s.shard()))) {
        changes.add(s);
      }
    }
    return List.copyOf(changes);
  }
}
