package io.shardlite.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.shardlite.operator.crd.ShardCluster;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The JOSDK entry point: every change of a ShardCluster or of one of its children (found through
 * owner references) reconciles that cluster; a periodic resync picks up pod-side changes (shard
 * placement) that Kubernetes does not signal.
 */
@ControllerConfiguration(name = "shardcluster")
public class ShardClusterReconciler implements Reconciler<ShardCluster> {
  static final Duration RESYNC = Duration.ofSeconds(30);
  private static final String SELECTOR = "app.kubernetes.io/managed-by=shardlite-operator";

  @Inject
  KubernetesClient client;

  @Override
  public UpdateControl<ShardCluster> reconcile(ShardCluster cluster, Context<ShardCluster> context) {
    ShardClusterSync sync = new ShardClusterSync(client, new GrpcClusterProbe(), Clock.systemUTC());
    cluster.setStatus(sync.reconcile(cluster));
    return UpdateControl.patchStatus(cluster).rescheduleAfter(RESYNC);
  }

  @Override
  public List<EventSource<?, ShardCluster>> prepareEventSources(EventSourceContext<ShardCluster> context) {
    return List.of(
        owned(StatefulSet.class, context),
        owned(Deployment.class, context),
        owned(Service.class, context),
        owned(ConfigMap.class, context),
        owned(PodDisruptionBudget.class, context));
  }

  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> EventSource<R, ShardCluster> owned(
      Class<R> type, EventSourceContext<ShardCluster> context) {
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, ShardCluster.class)
        .withLabelSelector(SELECTOR).build(), context);
  }
}
