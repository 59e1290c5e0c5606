package io.shardlite.operator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Names, labels and DNS names of a cluster's children: one place, so every builder agrees. */
public final class Names {
  public static final String SHARD = "shard";
  public static final String SEQUENCER = "sequencer";
  public static final String VMASTER = "vmaster";

  public static final int SHARD_RATIS_PORT = 7000;
  public static final int SHARD_GRPC_PORT = 7001;
  public static final int SHARD_METRICS_PORT = 7002;
  public static final int SEQUENCER_RATIS_PORT = 7100;
  public static final int SEQUENCER_GRPC_PORT = 7101;
  public static final int SEQUENCER_METRICS_PORT = 7102;
  public static final int VMASTER_GRPC_PORT = 7201;
  public static final int VMASTER_METRICS_PORT = 7202;
  public static final String DATA_DIR = "/var/lib/shardlite";

  private Names() {}

  public static String shards(String cluster) {
    return cluster + "-" + SHARD;
  }

  public static String sequencer(String cluster) {
    return cluster + "-" + SEQUENCER;
  }

  public static String vmaster(String cluster) {
    return cluster + "-" + VMASTER;
  }

  public static String clientService(String cluster) {
    return cluster + "-client";
  }

  public static String config(String cluster) {
    return cluster + "-config";
  }

  /** Labels on every child of one cluster and one component. */
  public static Map<String, String> labels(String cluster, String component) {
    Map<String, String> l = new LinkedHashMap<>(selector(cluster, component));
    l.put("app.kubernetes.io/managed-by", "shardlite-operator");
    return l;
  }

  /** The stable subset of {@link #labels} that selects a component's pods. */
  public static Map<String, String> selector(String cluster, String component) {
    Map<String, String> l = new LinkedHashMap<>();
    l.put("app.kubernetes.io/name", "shardlite");
    l.put("app.kubernetes.io/instance", cluster);
    if (component != null) {
      l.put("app.kubernetes.io/component", component);
    }
    return l;
  }

  /** {@code pod.service.namespace.svc} of each ordinal of a StatefulSet. */
  public static List<String> podDns(String statefulSet, String namespace, int replicas) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      out.add(statefulSet + "-" + i + "." + statefulSet + "." + namespace + ".svc");
    }
    return out;
  }

  /** {@code id=host:port,...} with the pod name as the Raft peer id. */
  public static String peers(String statefulSet, String namespace, int replicas, int port) {
    List<String> dns = podDns(statefulSet, namespace, replicas);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      out.add(statefulSet + "-" + i + "=" + dns.get(i) + ":" + port);
    }
    return String.join(",", out);
  }

  /** {@code host:port,...} of every pod of a StatefulSet. */
  public static String endpoints(String statefulSet, String namespace, int replicas, int port) {
    return String.join(",", podDns(statefulSet, namespace, replicas).stream().map(h -> h + ":" + port).toList());
  }
}
