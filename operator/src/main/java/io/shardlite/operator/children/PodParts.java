package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.shardlite.operator.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pieces every pod kind shares: env from the downward API, probes, security contexts. */
final class PodParts {
  private PodParts() {}

  static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  static EnvVar fieldRef(String name, String fieldPath) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(fieldPath)
        .endFieldRef().endValueFrom().build();
  }

  /** Node id = pod name; every port binds the pod's own IP only. */
  static List<EnvVar> identity(String idVariable) {
    List<EnvVar> env = new ArrayList<>();
    env.add(fieldRef(idVariable, "metadata.name"));
    env.add(fieldRef("SHARDLITE_BIND_ADDRESS", "status.podIP"));
    return env;
  }

  static Probe liveness(int metricsPort) {
    return new ProbeBuilder().withNewHttpGet().withPath("/healthz").withNewPort(metricsPort).endHttpGet()
        .withPeriodSeconds(10).withTimeoutSeconds(5).withFailureThreshold(6).build();
  }

  static Probe readiness(int metricsPort) {
    return new ProbeBuilder().withNewHttpGet().withPath("/readyz").withNewPort(metricsPort).endHttpGet()
        .withPeriodSeconds(5).withTimeoutSeconds(3).withFailureThreshold(3).build();
  }

  /** Slow first starts (JVM, Raft election, snapshot install) must not be killed by liveness. */
  static Probe startup(int metricsPort) {
    return new ProbeBuilder().withNewHttpGet().withPath("/healthz").withNewPort(metricsPort).endHttpGet()
        .withPeriodSeconds(5).withFailureThreshold(60).build();
  }

  static SecurityContext container() {
    return new SecurityContextBuilder().withRunAsNonRoot(true).withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true).withNewCapabilities().withDrop("ALL").endCapabilities().build();
  }

  static PodSecurityContext pod() {
    return new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(65532L).withRunAsGroup(65532L)
        .withFsGroup(65532L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build();
  }

  /** Prometheus scrape hints, when metrics are on. */
  static Map<String, String> scrapeAnnotations(boolean metrics, int port) {
    Map<String, String> a = new LinkedHashMap<>();
    if (metrics) {
      a.put("prometheus.io/scrape", "true");
      a.put("prometheus.io/port", Integer.toString(port));
      a.put("prometheus.io/path", "/metrics");
    }
    return a;
  }

  /**
   * A server container: the image's CLI with {@code serve <kind>}, named ports, probes on the
   * metrics port, a non-root read-only root filesystem with a writable /tmp, and the data volume
   * when the pod keeps state.
   */
  static Container server(String name, String image, String kind, List<EnvVar> env, ResourceRequirements resources,
      Map<String, Integer> ports, int metricsPort, boolean data) {
    ContainerBuilder c = new ContainerBuilder().withName(name).withImage(image).withArgs("serve", kind).withEnv(env)
        .withResources(resources)
        .withStartupProbe(startup(metricsPort)).withLivenessProbe(liveness(metricsPort))
        .withReadinessProbe(readiness(metricsPort)).withSecurityContext(container());
    ports.forEach((portName, port) -> c.addNewPort().withName(portName).withContainerPort(port).endPort());
    if (data) {
      c.addNewVolumeMount().withName("data").withMountPath(dataDir()).endVolumeMount();
    }
    return c.addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount().build();
  }

  /** The three ports of a Raft server pod, in a stable order. */
  static Map<String, Integer> raftPorts(int ratis, int grpc, int metrics) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    ports.put("ratis", ratis);
    ports.put("grpc", grpc);
    ports.put("metrics", metrics);
    return ports;
  }

  static String dataDir() {
    return Names.DATA_DIR;
  }
}
