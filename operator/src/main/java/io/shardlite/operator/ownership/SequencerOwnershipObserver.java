package io.shardlite.operator.ownership;

import io.shardlite.common.sequencer.SequencerClient;
import io.shardlite.proto.OwnershipUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the sequencer's ownership table: the first (full) message of its watch stream, within a deadline. */
public final class SequencerOwnershipObserver implements OwnershipObserver {
  private static final Logger LOG = LoggerFactory.getLogger(SequencerOwnershipObserver.class);
  private final Duration deadline;

  public SequencerOwnershipObserver(Duration deadline) {
    this.deadline = deadline;
  }

  @Override
  public Optional<Map<String, Integer>> shardsPerVirtualMaster(List<String> sequencerEndpoints) {
    CompletableFuture<OwnershipUpdate> table = new CompletableFuture<>();
    try (SequencerClient client = new SequencerClient(sequencerEndpoints, deadline);
        AutoCloseable watch = client.watchOwnership(false, u -> {
          if (u.getFull()) {
            table.complete(u);
          }
        })) {
      return Optional.of(OwnershipCounts.perVirtualMaster(table.get(deadline.toMillis(), TimeUnit.MILLISECONDS)));
    } catch (TimeoutException | ExecutionException e) {
      LOG.debug("no ownership table from {} within {}: {}", sequencerEndpoints, deadline, e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      LOG.debug("ownership watch on {} failed: {}", sequencerEndpoints, e.toString());
      return Optional.empty();
    }
  }
}
