package io.shardlite.common.sequencer;

import io.grpc.ManagedChannel;
import io.shardlite.common.rpc.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The sequencer replicas a client may talk to, one channel each, and which one it currently
 * believes is the leader. Only the leader serves; on UNAVAILABLE the client moves to the next.
 */
final class SequencerEndpoints implements AutoCloseable {
  private final List<String> addresses;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private int current;

  SequencerEndpoints(List<String> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("at least one sequencer endpoint (host:port) is required");
    }
    this.addresses = List.copyOf(addresses);
    for (String address : this.addresses) {
      int colon = address.lastIndexOf(':');
      if (colon <= 0 || colon == address.length() - 1) {
        throw new IllegalArgumentException("sequencer endpoint '" + address + "' is not host:port");
      }
      channels.add(Channels.to(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
    }
  }

  /** The index of the endpoint to use now. */
  synchronized int current() {
    return current;
  }

  synchronized ManagedChannel channel(int index) {
    return channels.get(index);
  }

  String address(int index) {
    return addresses.get(index);
  }

  /** Moves past {@code failed} (unless another caller already did) and returns the endpoint to use. */
  synchronized int next(int failed) {
    if (current == failed) {
      current = (current + 1) % channels.size();
    }
    return current;
  }

  int size() {
    return channels.size();
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
