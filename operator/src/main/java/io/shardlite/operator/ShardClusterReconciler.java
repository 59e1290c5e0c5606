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
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.shardlite.operator.crd.ShardCluster;
import io.shardlite.operator.crd.ShardClusterStatus;
import io.shardlite.operator.ownership.OwnershipObserver;
import io.shardlite.operator.rebalance.ShardRebalancer;
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
// Every permission the reconciliation uses, and no more (the generated role in
// target/kubernetes/kubernetes.yml; the Helm chart grants the same list).
@RBACRule(apiGroups = "apps", resources = {"statefulsets", "deployments"}, verbs = {"get", "list", "watch", "create",
    "update", "patch", "delete"})
@RBACRule(apiGroups = "", resources = {"services", "configmaps"}, verbs = {"get", "list", "watch", "create", "update",
    "patch", "delete"})
@RBACRule(apiGroups = "policy", resources = "poddisruptionbudgets", verbs = {"get", "list", "watch", "create",
    "update", "patch", "delete"})
// Pods: read, and delete one at a time to roll an OnDelete StatefulSet.
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch", "delete"})
@RBACRule(apiGroups = "", resources = "events", verbs = {"create", "patch"})
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = {"get", "create", "update"})
// Only used with spec.metrics.serviceMonitor; the chart grants it only when that option is on.
@RBACRule(apiGroups = "monitoring.coreos.com", resources = "servicemonitors", verbs = {"get", "create", "update",
    "patch", "delete"})
public class ShardClusterReconciler implements Reconciler<ShardCluster> {
  static final Duration RESYNC = Duration.ofSeconds(30);
  static final Duration MOVING_RESYNC = Duration.ofSeconds(5);
  private static final String SELECTOR = "app.kubernetes.io/managed-by=shardlite-operator";

  @Inject
  KubernetesClient client;

  @Inject
  ShardRebalancer rebalancer;

  @Inject
  OwnershipObserver ownership;

  @Override
  public UpdateControl<ShardCluster> reconcile(ShardCluster cluster, Context<ShardCluster> context) {
    ShardClusterSync sync = new ShardClusterSync(client, rebalancer, ownership, Clock.systemUTC());
    ShardClusterStatus status = sync.reconcile(cluster);
    cluster.setStatus(status);
    // While replicas move, look again soon: each look starts the next round of moves.
    boolean moving = status.getRebalance() != null && "Moving".equals(status.getRebalance().getState());
    return UpdateControl.patchStatus(cluster).rescheduleAfter(moving ? MOVING_RESYNC : RESYNC);
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
