package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.shardlite.operator.Names;
import io.shardlite.operator.crd.VirtualMastersSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The virtual masters: stateless, so a Deployment. SIGTERM makes a virtual master drain (its shards
 * move through the sequencer); the grace period covers the drain timeout.
 */
public final class VirtualMasterDeployment {
  /** The virtual master's --drain-timeout-ms, in seconds. */
  static final long DRAIN_SECONDS = 10;

  private VirtualMasterDeployment() {}

  private static java.util.Map<String, Integer> vmPorts() {
    java.util.Map<String, Integer> ports = new java.util.LinkedHashMap<>();
    ports.put("grpc", Names.VMASTER_GRPC_PORT);
    ports.put("metrics", Names.VMASTER_METRICS_PORT);
    return ports;
  }

  public static Deployment desired(ClusterView c) {
    String name = Names.vmaster(c.name());
    VirtualMastersSpec raw = Optional.ofNullable(c.raw().getVirtualMasters()).orElseGet(VirtualMastersSpec::new);
    List<EnvVar> env = new ArrayList<>(PodParts.identity("SHARDLITE_VM_ID"));
    env.add(PodParts.env("SHARDLITE_ADVERTISE_ADDRESS", "$(SHARDLITE_BIND_ADDRESS):" + Names.VMASTER_GRPC_PORT));
    env.add(PodParts.env("SHARDLITE_CLUSTER", c.name()));
    env.add(PodParts.env("SHARDLITE_SHARDS", Integer.toString(c.spec().shards())));
    env.add(PodParts.env("SHARDLITE_SEQUENCER", Names.endpoints(Names.sequencer(c.name()), c.namespace(),
        c.spec().sequencers(), Names.SEQUENCER_GRPC_PORT)));
    env.add(PodParts.env("SHARDLITE_SHARD_SERVERS", Names.endpoints(Names.shards(c.name()), c.namespace(),
        c.shardPodsNow(), Names.SHARD_GRPC_PORT)));
    env.add(PodParts.env("SHARDLITE_GRPC_PORT", Integer.toString(Names.VMASTER_GRPC_PORT)));
    env.add(PodParts.env("SHARDLITE_METRICS_PORT", Integer.toString(Names.VMASTER_METRICS_PORT)));
    env.add(PodParts.env("SHARDLITE_DRAIN_TIMEOUT_MS", Long.toString(DRAIN_SECONDS * 1000)));
    return new DeploymentBuilder()
        .withMetadata(c.meta(name, Names.VMASTER))
        .withNewSpec()
          .withReplicas(c.spec().virtualMasters())
          .withNewSelector().withMatchLabels(Names.selector(c.name(), Names.VMASTER)).endSelector()
          .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
            .withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
          .endStrategy()
          .withNewTemplate()
            .withNewMetadata().withLabels(Names.labels(c.name(), Names.VMASTER))
              .withAnnotations(PodParts.scrapeAnnotations(c.spec().metrics(), Names.VMASTER_METRICS_PORT))
            .endMetadata()
            .withNewSpec()
              .withSecurityContext(PodParts.pod())
              .withTerminationGracePeriodSeconds(DRAIN_SECONDS + 20)
              .addToContainers(PodParts.server("vmaster", c.spec().imageRef(), "vmaster", env, raw.getResources(),
                  vmPorts(), Names.VMASTER_METRICS_PORT, false))
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }
}
