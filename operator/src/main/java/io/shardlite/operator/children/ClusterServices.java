package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.shardlite.operator.Names;
import java.util.List;

/**
 * The Services: a headless one per StatefulSet (stable pod DNS names for Raft peers, published
 * before readiness because peers must find each other to become ready) and the client Service in
 * front of the virtual masters.
 */
public final class ClusterServices {
  private ClusterServices() {}

  public static Service shardsHeadless(ClusterView c) {
    return headless(c, Names.shards(c.name()), Names.SHARD, List.of(port("ratis", Names.SHARD_RATIS_PORT),
        port("grpc", Names.SHARD_GRPC_PORT), port("metrics", Names.SHARD_METRICS_PORT)));
  }

  public static Service sequencerHeadless(ClusterView c) {
    return headless(c, Names.sequencer(c.name()), Names.SEQUENCER, List.of(port("ratis", Names.SEQUENCER_RATIS_PORT),
        port("grpc", Names.SEQUENCER_GRPC_PORT), port("metrics", Names.SEQUENCER_METRICS_PORT)));
  }

  /** Where applications connect: any virtual master accepts any transaction. */
  public static Service client(ClusterView c) {
    return new ServiceBuilder()
        .withMetadata(c.meta(Names.clientService(c.name()), Names.VMASTER))
        .withNewSpec().withType("ClusterIP").withSelector(Names.selector(c.name(), Names.VMASTER))
          .withPorts(port("grpc", Names.VMASTER_GRPC_PORT), port("metrics", Names.VMASTER_METRICS_PORT))
        .endSpec().build();
  }

  private static Service headless(ClusterView c, String name, String component, List<ServicePort> ports) {
    return new ServiceBuilder()
        .withMetadata(c.meta(name, component))
        .withNewSpec().withClusterIP("None").withPublishNotReadyAddresses(true)
          .withSelector(Names.selector(c.name(), component)).withPorts(ports)
        .endSpec().build();
  }

  private static ServicePort port(String name, int port) {
    return new ServicePortBuilder().withName(name).withPort(port).withNewTargetPort(port).withProtocol("TCP").build();
  }
}
