package io.shardlite.operator;

import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.operator.children.ClusterView;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks every shard pod's admin API which groups it hosts (bounded by a short deadline per pod). */
public final class GrpcClusterProbe implements ClusterProbe {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcClusterProbe.class);
  private static final Duration DEADLINE = Duration.ofSeconds(3);

  @Override
  public Optional<Map<String, Integer>> replicasPerShardPod(ClusterView c, int pods) {
    Map<String, Integer> out = new LinkedHashMap<>();
    String sts = Names.shards(c.name());
    for (int i = 0; i < pods; i++) {
      String host = sts + "-" + i + "." + sts + "." + c.namespace() + ".svc";
      try (ShardNodeClient client = new ShardNodeClient(host, Names.SHARD_GRPC_PORT, DEADLINE)) {
        out.put(sts + "-" + i, client.listGroups().getGroupsCount());
      } catch (RuntimeException e) {
        LOG.debug("shard pod {} did not answer: {}", host, e.toString());
        return Optional.empty();
      }
    }
    return Optional.of(out);
  }
}
