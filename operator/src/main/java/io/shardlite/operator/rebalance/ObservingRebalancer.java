package io.shardlite.operator.rebalance;

import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.proto.GroupStatus;
import io.shardlite.proto.ListGroupsResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rebalancer used with {@code shardlite.operator.move-replicas=false}: it asks every shard pod's
 * admin API which groups it hosts (a short deadline per pod) and judges the placement, but moves
 * nothing.
 * Scale-in therefore holds until the leaving pods were emptied by hand (AddReplica on a remaining
 * pod, then RemoveReplica), and the status says so.
 */
public final class ObservingRebalancer implements ShardRebalancer {
  private static final Logger LOG = LoggerFactory.getLogger(ObservingRebalancer.class);
  static final String CANNOT_MOVE = "moving replicas is turned off (shardlite.operator.move-replicas=false):"
      + " use shardlite rebalance or the shard admin API"
      + " (AddReplica on a target pod, then RemoveReplica)";
  private final Duration deadline;

  public ObservingRebalancer(Duration deadline) {
    this.deadline = deadline;
  }

  @Override
  public RebalanceProgress step(RebalanceRequest request) {
    Map<String, Set<Integer>> hosted = new LinkedHashMap<>();
    for (ShardPodRef pod : request.pods()) {
      try (ShardNodeClient client = new ShardNodeClient(pod.host(), pod.grpcPort(), deadline)) {
        ListGroupsResponse groups = client.listGroups();
        Set<Integer> shards = new TreeSet<>();
        for (GroupStatus g : groups.getGroupsList()) {
          shards.add(g.getShardId());
        }
        hosted.put(pod.name(), shards);
      } catch (RuntimeException e) {
        LOG.debug("shard pod {} did not answer: {}", pod.host(), e.toString());
        return RebalanceProgress.unknown("shard pod " + pod.name() + " did not answer its admin API");
      }
    }
    return PlacementSummary.judge(request, hosted, 0, CANNOT_MOVE);
  }
}
