package io.shardlite.operator;

import io.shardlite.operator.crd.MetricsSpec;
import io.shardlite.operator.crd.SequencerSpec;
import io.shardlite.operator.crd.ShardClusterSpec;
import io.shardlite.operator.crd.ShardPodsSpec;
import io.shardlite.operator.crd.StorageSpec;
import io.shardlite.operator.crd.VirtualMastersSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A spec with every default applied. Defaults live here, not in the CRD (GitOps tools see CRD
 * defaults as drift); {@link #describe()} reports them in status.
 */
public record EffectiveSpec(
    int shards,
    int replicationFactor,
    int shardPods,
    int sequencers,
    int virtualMasters,
    String image,
    String version,
    String shardStorageSize,
    String shardStorageClass,
    String sequencerStorageSize,
    String sequencerStorageClass,
    boolean metrics,
    boolean serviceMonitor) {

  public static final int DEFAULT_SHARDS = 16;
  public static final int DEFAULT_REPLICATION_FACTOR = 3;
  public static final int DEFAULT_SHARD_PODS = 3;
  public static final int DEFAULT_SEQUENCERS = 3;
  public static final int DEFAULT_VIRTUAL_MASTERS = 2;
  public static final String DEFAULT_IMAGE = "ghcr.io/shardlite/shardlite";
  /**
   * The pods' default version: the version of the pod image built with this operator (the same
   * Maven version tags both images). A running cluster keeps its version across operator upgrades
   * ({@link Pinned}); a pod template depends on the operator's version nowhere else.
   */
  public static final String DEFAULT_VERSION = buildVersion();

  private static String buildVersion() {
    java.util.Properties p = new java.util.Properties();
    try (java.io.InputStream in = EffectiveSpec.class.getResourceAsStream("/shardlite-operator.properties")) {
      if (in == null) {
        throw new IllegalStateException("shardlite-operator.properties is missing from the operator's class path");
      }
      p.load(in);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String v = p.getProperty("pod.version", "");
    if (v.isBlank() || v.contains("${")) {
      throw new IllegalStateException("the operator was built without its version (pod.version=" + v + ")");
    }
    return v;
  }

  /**
   * The image repository and version a running cluster was given (read back from its children),
   * used when the spec leaves them out: a cluster created with the operator's default keeps it when
   * a newer operator with another default takes over, so an operator upgrade changes no pod.
   */
  public record Pinned(String image, String version) {
    public static final Pinned NONE = new Pinned(null, null);
  }

  /** Defaults only (for a cluster that does not exist yet, and for validation). */
  public static EffectiveSpec of(ShardClusterSpec spec) {
    return of(spec, Pinned.NONE);
  }

  public static EffectiveSpec of(ShardClusterSpec spec, Pinned pinned) {
    ShardClusterSpec s = spec == null ? new ShardClusterSpec() : spec;
    ShardPodsSpec pods = Optional.ofNullable(s.getShardPods()).orElseGet(ShardPodsSpec::new);
    SequencerSpec seq = Optional.ofNullable(s.getSequencer()).orElseGet(SequencerSpec::new);
    VirtualMastersSpec vms = Optional.ofNullable(s.getVirtualMasters()).orElseGet(VirtualMastersSpec::new);
    StorageSpec podStorage = Optional.ofNullable(pods.getStorage()).orElseGet(StorageSpec::new);
    StorageSpec seqStorage = Optional.ofNullable(seq.getStorage()).orElseGet(StorageSpec::new);
    MetricsSpec metrics = Optional.ofNullable(s.getMetrics()).orElseGet(MetricsSpec::new);
    return new EffectiveSpec(
        or(s.getShards(), DEFAULT_SHARDS),
        or(s.getReplicationFactor(), DEFAULT_REPLICATION_FACTOR),
        or(pods.getReplicas(), DEFAULT_SHARD_PODS),
        or(seq.getReplicas(), DEFAULT_SEQUENCERS),
        or(vms.getReplicas(), DEFAULT_VIRTUAL_MASTERS),
        or(s.getImage(), or(pinned.image(), DEFAULT_IMAGE)),
        or(s.getVersion(), or(pinned.version(), DEFAULT_VERSION)),
        or(podStorage.getSize(), "10Gi"),
        podStorage.getStorageClassName(),
        or(seqStorage.getSize(), "1Gi"),
        seqStorage.getStorageClassName(),
        or(metrics.getEnabled(), true),
        or(metrics.getServiceMonitor(), false));
  }

  public String imageRef() {
    return image + ":" + version;
  }

  /** The settings in effect, for status. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("shards", Integer.toString(shards));
    m.put("replicationFactor", Integer.toString(replicationFactor));
    m.put("shardPods", Integer.toString(shardPods));
    m.put("sequencers", Integer.toString(sequencers));
    m.put("virtualMasters", Integer.toString(virtualMasters));
    m.put("image", imageRef());
    m.put("metrics", Boolean.toString(metrics));
    return m;
  }

  private static <T> T or(T value, T fallback) {
    return value == null ? fallback : value;
  }
}
