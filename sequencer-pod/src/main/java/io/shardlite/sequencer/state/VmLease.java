package io.shardlite.sequencer.state;

/**
 * One registered virtual master. Its lease runs until {@code expiresMillis} (command time, never a
 * local clock); a draining virtual master owns no shards but may still request LSNs.
 */
public record VmLease(
    String vmId, String address, long leaseMillis, long expiresMillis, boolean draining) {

  static VmLease register(String vmId, String address, long leaseMillis, long nowMillis) {
    return new VmLease(vmId, address, leaseMillis, plus(nowMillis, leaseMillis), false);
  }

  /** Live at {@code nowMillis}: the lease has not run out. */
  public boolean liveAt(long nowMillis) {
    return nowMillis < expiresMillis;
  }

  VmLease renewed(long nowMillis) {
    return new VmLease(vmId, address, leaseMillis, plus(nowMillis, leaseMillis), draining);
  }

  VmLease extendedBy(long millis) {
    return new VmLease(vmId, address, leaseMillis, plus(expiresMillis, millis), draining);
  }

  VmLease drained() {
    return new VmLease(vmId, address, leaseMillis, expiresMillis, true);
  }

  private static long plus(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
