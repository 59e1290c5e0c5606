package io.shardlite.sequencer.state;

import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/** The registered virtual masters by id. Only live leases are kept: see {@link #expireAt}. */
public record VmRegistry(PSortedMap<String, VmLease> vms) {

  public static VmRegistry empty() {
    return new VmRegistry(TreePMap.empty());
  }

  public Optional<VmLease> get(String vmId) {
    return Optional.ofNullable(vms.get(vmId));
  }

  VmRegistry put(VmLease lease) {
    return new VmRegistry(vms.plus(lease.vmId(), lease));
  }

  /** Drops the leases that ran out at {@code nowMillis} (the same registry if none did). */
  VmRegistry expireAt(long nowMillis) {
    PSortedMap<String, VmLease> live = vms;
    for (VmLease lease : vms.values()) {
      if (!lease.liveAt(nowMillis)) {
        live = live.minus(lease.vmId());
      }
    }
    return live == vms ? this : new VmRegistry(live);
  }

  /** Every lease extended by {@code millis} (time the sequencer could not serve renewals). */
  VmRegistry extendedBy(long millis) {
    PSortedMap<String, VmLease> extended = vms;
    for (VmLease lease : vms.values()) {
      extended = extended.plus(lease.vmId(), lease.extendedBy(millis));
    }
    return new VmRegistry(extended);
  }

  /** The virtual masters that may own shards: registered and not draining, sorted by id. */
  public SortedSet<String> owners() {
    SortedSet<String> owners = new TreeSet<>();
    for (VmLease lease : vms.values()) {
      if (!lease.draining()) {
        owners.add(lease.vmId());
      }
    }
    return owners;
  }
}
