package io.shardlite.k8stests;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.shardlite.common.client.ShardliteClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test's way into the cluster: a port-forward (Fabric8) from 127.0.0.1 to the client port of
 * every Ready virtual master behind the cluster's client Service, and a {@link ShardliteClient}
 * over them (which retries on the next endpoint). Refreshed when virtual masters come and go.
 */
final class VirtualMasterForwards implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VirtualMasterForwards.class);
  static final int CLIENT_PORT = 7201;

  private final KubernetesClient k8s;
  private final String namespace;
  private final String cluster;
  private List<LocalPortForward> forwards = List.of();
  private ShardliteClient client;

  VirtualMasterForwards(KubernetesClient k8s, String namespace, String cluster) {
    this.k8s = k8s;
    this.namespace = namespace;
    this.cluster = cluster;
  }

  /** Forwards to the virtual masters Ready now; the previous client and forwards are closed. */
  synchronized ShardliteClient refresh() {
    List<Pod> pods = ShardClusters.readyPods(k8s, namespace, cluster, "vmaster");
    if (pods.isEmpty()) {
      throw new IllegalStateException("no Ready virtual master in " + namespace + "/" + cluster);
    }
    List<LocalPortForward> opened = new ArrayList<>();
    List<String> endpoints = new ArrayList<>();
    for (Pod pod : pods) {
      LocalPortForward forward = k8s.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
          .portForward(CLIENT_PORT);
      opened.add(forward);
      endpoints.add("127.0.0.1:" + forward.getLocalPort());
    }
    closeCurrent();
    forwards = opened;
    client = new ShardliteClient(endpoints, Duration.ofSeconds(20));
    LOG.info("client endpoints {} -> virtual masters {}", endpoints,
        pods.stream().map(p -> p.getMetadata().getName()).toList());
    return client;
  }

  synchronized ShardliteClient client() {
    return client != null ? client : refresh();
  }

  private void closeCurrent() {
    if (client != null) {
      client.close();
      client = null;
    }
    for (LocalPortForward f : forwards) {
      try {
        f.close();
      } catch (IOException e) {
        LOG.debug("closing a port-forward", e);
      }
    }
    forwards = List.of();
  }

  @Override
  public synchronized void close() {
    closeCurrent();
  }
}
