package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.shardlite.operator.EffectiveSpec;
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
  public static final String IMAGE = "image";
  public static final String VERSION = "version";
  /** SHARDLITE_BOOTSTRAP of the shard pods: "auto" until the cluster exists, then "never", for good. */
  public static final String SHARD_BOOTSTRAP = "shardBootstrap";

  private ClusterConfigMap() {}

  public static ConfigMap desired(ClusterView c) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("cluster", c.name());
    data.put(SHARDS, Integer.toString(c.spec().shards()));
    data.put("replicationFactor", Integer.toString(c.spec().replicationFactor()));
    data.put(SEQUENCERS, Integer.toString(c.spec().sequencers()));
    data.put(BOOTSTRAP_SHARD_PODS, Integer.toString(c.bootstrapShardPods()));
    data.put(SHARD_BOOTSTRAP, c.established() ? "never" : "auto");
    data.put(IMAGE, c.spec().image());
    data.put(VERSION, c.spec().version());
    data.put("sequencerEndpoints", Names.endpoints(Names.sequencer(c.name()), c.namespace(), c.spec().sequencers(),
        Names.SEQUENCER_GRPC_PORT));
    data.put("shardServerEndpoints", Names.endpoints(Names.shards(c.name()), c.namespace(), c.shardPodsNow(),
        Names.SHARD_GRPC_PORT));
    data.put("clientEndpoint", Names.clientService(c.name()) + "." + c.namespace() + ".svc:" + Names.VMASTER_GRPC_PORT);
    data.put("jdbcUrl", "jdbc:shardlite://" + data.get("clientEndpoint") + "/");
    return new ConfigMapBuilder().withMetadata(c.meta(Names.config(c.name()), null)).withData(data).build();
  }

  /**
   * The image and version the cluster runs, for a spec that leaves them out: from this ConfigMap,
   * else from the shard StatefulSet's container (the ConfigMap may have been deleted), else none.
   */
  public static EffectiveSpec.Pinned pinned(ConfigMap existing, StatefulSet shards) {
    Map<String, String> data = existing == null || existing.getData() == null ? Map.of() : existing.getData();
    String image = data.get(IMAGE);
    String version = data.get(VERSION);
    if ((image == null || version == null) && shards != null && shards.getSpec() != null
        && shards.getSpec().getTemplate() != null && shards.getSpec().getTemplate().getSpec() != null
        && !shards.getSpec().getTemplate().getSpec().getContainers().isEmpty()) {
      String ref = shards.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
      int colon = ref == null ? -1 : ref.lastIndexOf(':');
      if (colon > ref.lastIndexOf('/')) {
        image = image != null ? image : ref.substring(0, colon);
        version = version != null ? version : ref.substring(colon + 1);
      }
    }
    return new EffectiveSpec.Pinned(image, version);
  }

  /**
   * Whether the cluster exists: recorded before, or every bootstrap shard pod is ready now (each
   * wrote its bootstrap marker before it became ready).
   */
  public static boolean established(ConfigMap existing, StatefulSet shards, int bootstrapShardPods) {
    if (existing != null && existing.getData() != null && "never".equals(existing.getData().get(SHARD_BOOTSTRAP))) {
      return true;
    }
    Integer ready = shards == null || shards.getStatus() == null ? null : shards.getStatus().getReadyReplicas();
    return ready != null && ready >= bootstrapShardPods;
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
