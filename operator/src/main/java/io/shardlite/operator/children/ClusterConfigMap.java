package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.shardlite.operator.Names;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster's configuration, for people and tools: endpoints and settings. It also records what
 * is fixed at creation (shards, sequencer replicas, the bootstrap shard pods), which the operator
 * reads back: it never writes spec, and these must survive operator restarts.
 */
public final class ClusterConfigMap {
  public static final String SHARDS = "shards";
  public static final String SEQUENCERS = "sequencerReplicas";
  public static final String BOOTSTRAP_SHARD_PODS = "bootstrapShardPods";

  private ClusterConfigMap() {}

  public static ConfigMap desired(ClusterView c) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("cluster", c.name());
    data.put(SHARDS, Integer.toString(c.spec().shards()));
    data.put("replicationFactor", Integer.toString(c.spec().replicationFactor()));
    data.put(SEQUENCERS, Integer.toString(c.spec().sequencers()));
    data.put(BOOTSTRAP_SHARD_PODS, Integer.toString(c.bootstrapShardPods()));
    data.put("sequencerEndpoints", Names.endpoints(Names.sequencer(c.name()), c.namespace(), c.spec().sequencers(),
        Names.SEQUENCER_GRPC_PORT));
    data.put("shardServerEndpoints", Names.endpoints(Names.shards(c.name()), c.namespace(), c.shardPodsNow(),
        Names.SHARD_GRPC_PORT));
    data.put("clientEndpoint", Names.clientService(c.name()) + "." + c.namespace() + ".svc:" + Names.VMASTER_GRPC_PORT);
    data.put("jdbcUrl", "jdbc:shardlite://" + data.get("clientEndpoint") + "/");
    return new ConfigMapBuilder().withMetadata(c.meta(Names.config(c.name()), null)).withData(data).build();
  }

  /** An integer recorded in an existing ConfigMap, or null. */
  public static Integer recorded(ConfigMap existing, String key) {
    if (existing == null || existing.getData() == null || existing.getData().get(key) == null) {
      return null;
    }
    try {
      return Integer.valueOf(existing.getData().get(key));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
