package io.shardlite.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.shardlite.operator.children.ClusterConfigMap;
import io.shardlite.operator.children.ClusterServices;
import io.shardlite.operator.children.ClusterView;
import io.shardlite.operator.children.DisruptionBudgets;
import io.shardlite.operator.children.SequencerStatefulSet;
import io.shardlite.operator.children.ShardStatefulSet;
import io.shardlite.operator.children.VirtualMasterDeployment;
import io.shardlite.operator.crd.ShardCluster;
import io.shardlite.operator.crd.RebalanceStatus;
import io.shardlite.operator.crd.ShardClusterStatus;
import io.shardlite.operator.ownership.OwnershipObserver;
import io.shardlite.operator.rebalance.RebalanceProgress;
import io.shardlite.operator.rebalance.RebalanceRequest;
import io.shardlite.operator.rebalance.ShardPodRef;
import io.shardlite.operator.rebalance.ShardRebalancer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconciliation of a ShardCluster: validate, decide the shard pod count, bring every child to
 * its desired state (create, or update when a field of ours drifted; otherwise leave it alone), and
 * compute the status. Idempotent: a second run over an unchanged cluster writes nothing.
 */
public final class ShardClusterSync {
  private static final Logger LOG = LoggerFactory.getLogger(ShardClusterSync.class);
  /** The label the StatefulSet controller puts on each pod: the revision it was created from. */
  static final String REVISION_LABEL = "controller-revision-hash";
  static final String ROLLING_UPDATE = "RollingUpdate";

  private final KubernetesClient client;
  private final ShardRebalancer rebalancer;
  private final OwnershipObserver ownership;
  private final Clock clock;

  public ShardClusterSync(KubernetesClient client, ShardRebalancer rebalancer, OwnershipObserver ownership,
      Clock clock) {
    this.client = client;
    this.rebalancer = rebalancer;
    this.ownership = ownership;
    this.clock = clock;
  }

  /** Reconciles and returns the new status (the caller writes it to the status subresource). */
  public ShardClusterStatus reconcile(ShardCluster cr) {
    String ns = cr.getMetadata().getNamespace();
    String name = cr.getMetadata().getName();
    long generation = Optional.ofNullable(cr.getMetadata().getGeneration()).orElse(0L);
    ShardClusterStatus previous = cr.getStatus();
    ShardClusterStatus status = new ShardClusterStatus();
    status.setObservedGeneration(generation);
    ConfigMap config = client.configMaps().inNamespace(ns).withName(Names.config(name)).get();
    StatefulSet shardSts = client.apps().statefulSets().inNamespace(ns).withName(Names.shards(name)).get();
    EffectiveSpec spec = EffectiveSpec.of(cr.getSpec(), ClusterConfigMap.pinned(config, shardSts));
    status.setEffective(spec.describe());
    Integer current = shardSts == null || shardSts.getSpec() == null ? null : shardSts.getSpec().getReplicas();
    ShardScaling.Decision refused = ShardScaling.refusal(spec.shardPods(), current, spec.replicationFactor());
    if (refused != null) {
      // Checked first, so the condition names the refused scale-in rather than a generic rule.
      event(cr, "Warning", refused.reason(), refused.message());
      return finish(cr, previous, status, "Degraded", List.of(
          new Conditions.Wanted(Conditions.READY, false, refused.reason(), refused.message()),
          new Conditions.Wanted(Conditions.PROGRESSING, false, refused.reason(), "waiting for a valid spec"),
          new Conditions.Wanted(Conditions.DEGRADED, true, refused.reason(), refused.message())));
    }
    List<String> problems = ShardClusterValidation.problems(cr.getSpec(), new ShardClusterValidation.Recorded(
        ClusterConfigMap.recorded(config, ClusterConfigMap.SHARDS),
        ClusterConfigMap.recorded(config, ClusterConfigMap.SEQUENCERS)));
    if (!problems.isEmpty()) {
      // Nothing changes while the spec is invalid: the children keep the last valid state.
      String message = String.join("; ", problems);
      event(cr, "Warning", "InvalidSpec", message);
      return finish(cr, previous, status, "Degraded", List.of(
          new Conditions.Wanted(Conditions.READY, false, "InvalidSpec", message),
          new Conditions.Wanted(Conditions.PROGRESSING, false, "InvalidSpec", "waiting for a valid spec"),
          new Conditions.Wanted(Conditions.DEGRADED, true, "InvalidSpec", message)));
    }

    Integer bootstrap = ClusterConfigMap.recorded(config, ClusterConfigMap.BOOTSTRAP_SHARD_PODS);
    int bootstrapPods = bootstrap != null ? bootstrap : current != null ? current : spec.shardPods();
    String sts = Names.shards(name);
    RebalanceProgress progress = null;
    if (current != null) {
      // Every pod the StatefulSet has or is about to get; the spec's count is the target.
      List<ShardPodRef> pods = shardPods(ns, name, Math.max(current, spec.shardPods()));
      progress = rebalancer.step(new RebalanceRequest(ns, name, spec.shards(), spec.replicationFactor(),
          spec.shardPods(), pods));
      status.setRebalance(rebalanceStatus(progress, spec.shardPods()));
      if (progress.state() != RebalanceProgress.State.UNKNOWN) {
        status.setReplicasPerShardPod(progress.replicasPerPod());
      }
    }
    ShardScaling.Decision scaling = ShardScaling.decide(spec.shardPods(), current, spec.replicationFactor(), progress,
        i -> sts + "-" + i);
    ClusterView view = new ClusterView(cr, spec, scaling.statefulSetReplicas(), bootstrapPods,
        ClusterConfigMap.established(config, shardSts, bootstrapPods));

    apply(cr, ClusterConfigMap.desired(view));
    apply(cr, ClusterServices.shardsHeadless(view));
    apply(cr, ClusterServices.sequencerHeadless(view));
    apply(cr, ClusterServices.client(view));
    StatefulSet seq = apply(cr, SequencerStatefulSet.desired(view));
    StatefulSet shards = apply(cr, ShardStatefulSet.desired(view));
    Deployment vms = apply(cr, VirtualMasterDeployment.desired(view));
    applyOrDelete(cr, DisruptionBudgets.shards(view), PodDisruptionBudget.class, Names.shards(name));
    applyOrDelete(cr, DisruptionBudgets.sequencer(view), PodDisruptionBudget.class, Names.sequencer(name));
    if (spec.serviceMonitor()) {
      applyServiceMonitor(cr, view);
    }
    if (scaling.holding()) {
      event(cr, "Normal", scaling.reason(), scaling.message());
    }
    // OnDelete StatefulSets: the operator restarts outdated pods itself, one at a time per set.
    List<String> rolling = new ArrayList<>();
    for (PodRestarts.Step step : List.of(roll(cr, seq, Names.SEQUENCER), roll(cr, shards, Names.SHARD))) {
      if (!step.done()) {
        rolling.add(step.message());
      }
    }

    int readyShards = ready(shards == null ? null : shards.getStatus() == null ? null : shards.getStatus().getReadyReplicas());
    int readySeq = ready(seq == null || seq.getStatus() == null ? null : seq.getStatus().getReadyReplicas());
    int readyVms = ready(vms == null || vms.getStatus() == null ? null : vms.getStatus().getReadyReplicas());
    status.setReadyShardPods(readyShards);
    status.setReadySequencers(readySeq);
    status.setReadyVirtualMasters(readyVms);
    status.setShardPods(readyShards + "/" + spec.shardPods());
    status.setSequencer(readySeq + "/" + spec.sequencers());
    status.setVirtualMasters(readyVms + "/" + spec.virtualMasters());
    status.setVirtualMasterReplicas(vms == null || vms.getStatus() == null || vms.getStatus().getReplicas() == null
        ? 0 : vms.getStatus().getReplicas());
    status.setVirtualMasterSelector(Names.selector(name, Names.VMASTER).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));

    if (readySeq > spec.sequencers() / 2) {
      // Only with a sequencer majority up: otherwise the watch could only time out.
      ownership.shardsPerVirtualMaster(List.of(Names.endpoints(Names.sequencer(name), ns, spec.sequencers(),
          Names.SEQUENCER_GRPC_PORT).split(","))).ifPresent(status::setShardsPerVirtualMaster);
    }

    boolean allReady = readyShards >= scaling.statefulSetReplicas() && readySeq >= spec.sequencers()
        && readyVms >= spec.virtualMasters();
    List<String> waiting = new ArrayList<>();
    if (readyShards < scaling.statefulSetReplicas()) {
      waiting.add("shard pods " + readyShards + "/" + scaling.statefulSetReplicas() + " ready");
    }
    if (readySeq < spec.sequencers()) {
      waiting.add("sequencer " + readySeq + "/" + spec.sequencers() + " ready");
    }
    if (readyVms < spec.virtualMasters()) {
      waiting.add("virtual masters " + readyVms + "/" + spec.virtualMasters() + " ready");
    }
    boolean quorum = readySeq > spec.sequencers() / 2 && readyShards > 0 && readyVms > 0;
    String phase;
    List<Conditions.Wanted> wanted = new ArrayList<>();
    if (allReady && !scaling.holding()) {
      phase = "Ready";
      wanted.add(new Conditions.Wanted(Conditions.READY, true, "AllReplicasReady", "every pod is ready"));
      wanted.add(rolling.isEmpty() ? rebalancing(progress)
          : new Conditions.Wanted(Conditions.PROGRESSING, true, ROLLING_UPDATE, String.join("; ", rolling)));
      wanted.add(new Conditions.Wanted(Conditions.DEGRADED, false, "AllReplicasReady", "every pod is ready"));
    } else {
      String why = scaling.holding() ? scaling.message() : rolling.isEmpty() ? String.join(", ", waiting)
          : String.join(", ", waiting) + "; " + String.join("; ", rolling);
      String reason = scaling.holding() ? scaling.reason() : rolling.isEmpty() ? "WaitingForPods" : ROLLING_UPDATE;
      boolean everCreated = previous != null && previous.getPhase() != null && !"Pending".equals(previous.getPhase());
      phase = everCreated && !quorum ? "Degraded" : "Progressing";
      wanted.add(new Conditions.Wanted(Conditions.READY, false, reason, why));
      wanted.add(new Conditions.Wanted(Conditions.PROGRESSING, true, reason, why));
      wanted.add(new Conditions.Wanted(Conditions.DEGRADED, "Degraded".equals(phase),
          "Degraded".equals(phase) ? "QuorumLost" : "NotDegraded",
          "Degraded".equals(phase) ? "a component has no ready majority: " + why : "no component lost its majority"));
    }
    return finish(cr, previous, status, phase, wanted);
  }

  /**
   * One step of rolling an OnDelete StatefulSet's pods to its current template: at most one pod
   * deleted, and only while all of the set's pods are ready (see {@link PodRestarts}).
   */
  private PodRestarts.Step roll(ShardCluster cr, StatefulSet sts, String component) {
    if (sts == null || sts.getStatus() == null || sts.getSpec() == null) {
      return new PodRestarts.Step(Optional.empty(), 0, "no status yet");
    }
    String prefix = sts.getMetadata().getName() + "-";
    List<PodRestarts.PodState> pods = new ArrayList<>();
    for (Pod p : client.pods().inNamespace(cr.getMetadata().getNamespace())
        .withLabels(Names.selector(cr.getMetadata().getName(), component)).list().getItems()) {
      String podName = p.getMetadata().getName();
      if (!podName.startsWith(prefix) || !podName.substring(prefix.length()).matches("[0-9]+")) {
        continue;
      }
      pods.add(new PodRestarts.PodState(podName, Integer.parseInt(podName.substring(prefix.length())),
          p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(REVISION_LABEL), ready(p),
          p.getMetadata().getDeletionTimestamp() != null));
    }
    Long generation = sts.getMetadata().getGeneration();
    Long observed = sts.getStatus().getObservedGeneration();
    boolean templateObserved = generation == null || observed != null && observed >= generation;
    PodRestarts.Step step = PodRestarts.next(sts.getSpec().getReplicas(), sts.getStatus().getUpdateRevision(),
        templateObserved, pods);
    if (step.pod().isPresent()) {
      LOG.info("{}/{}: {}", cr.getMetadata().getNamespace(), cr.getMetadata().getName(), step.message());
      client.pods().inNamespace(cr.getMetadata().getNamespace()).withName(step.pod().get()).delete();
      event(cr, "Normal", "RestartingPod", step.message());
    }
    return step;
  }

  /** Progressing while replicas move (or must move) between ready pods; otherwise stable. */
  private static Conditions.Wanted rebalancing(RebalanceProgress progress) {
    if (progress != null && progress.state() == RebalanceProgress.State.MOVING) {
      return new Conditions.Wanted(Conditions.PROGRESSING, true, "Rebalancing", progress.message());
    }
    if (progress != null && progress.state() == RebalanceProgress.State.BLOCKED) {
      return new Conditions.Wanted(Conditions.PROGRESSING, true, "RebalanceBlocked", progress.message());
    }
    return new Conditions.Wanted(Conditions.PROGRESSING, false, "Stable", "nothing to do");
  }

  private static RebalanceStatus rebalanceStatus(RebalanceProgress progress, int target) {
    RebalanceStatus r = new RebalanceStatus();
    r.setState(switch (progress.state()) {
      case UNKNOWN -> "Unknown";
      case MOVING -> "Moving";
      case BLOCKED -> "Blocked";
      case BALANCED -> "Balanced";
    });
    r.setTargetShardPods(target);
    r.setMovesDone(progress.movesDone());
    r.setMovesRemaining(progress.movesRemaining());
    r.setMessage(progress.message());
    return r;
  }

  /** The shard pods of ordinals 0..count-1 with their addresses and readiness (absent pods: not ready). */
  private List<ShardPodRef> shardPods(String ns, String cluster, int count) {
    String sts = Names.shards(cluster);
    Map<String, Pod> existing = new HashMap<>();
    for (Pod p : client.pods().inNamespace(ns).withLabels(Names.selector(cluster, Names.SHARD)).list().getItems()) {
      existing.put(p.getMetadata().getName(), p);
    }
    List<ShardPodRef> pods = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String pod = sts + "-" + i;
      pods.add(new ShardPodRef(pod, i, pod + "." + sts + "." + ns + ".svc", Names.SHARD_GRPC_PORT,
          Names.SHARD_RATIS_PORT, ready(existing.get(pod))));
    }
    return pods;
  }

  private static boolean ready(Pod pod) {
    return pod != null && pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null
        && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private ShardClusterStatus finish(ShardCluster cr, ShardClusterStatus previous, ShardClusterStatus status, String phase,
      List<Conditions.Wanted> wanted) {
    status.setPhase(phase);
    status.setConditions(Conditions.merge(previous == null ? null : previous.getConditions(),
        status.getObservedGeneration(), wanted, clock.instant()));
    return status;
  }

  private static int ready(Integer n) {
    return n == null ? 0 : n;
  }

  /** Creates the child, or updates it when a field of ours drifted; returns what is there now. */
  @SuppressWarnings("unchecked")
  <T extends HasMetadata> T apply(ShardCluster cr, T desired) {
    T existing = (T) client.resource(desired).get();
    if (existing == null) {
      T created = client.resource(desired).create();
      event(cr, "Normal", "Created", desired.getKind() + " " + desired.getMetadata().getName() + " created");
      return created;
    }
    if (OwnedFields.upToDate(existing, desired)) {
      return existing;
    }
    desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    // The status of the existing object is kept by the API server (status subresource).
    T updated = client.resource(desired).update();
    LOG.info("{} {}/{} brought back to its desired state", desired.getKind(), desired.getMetadata().getNamespace(),
        desired.getMetadata().getName());
    event(cr, "Normal", "Updated", desired.getKind() + " " + desired.getMetadata().getName() + " updated");
    return updated;
  }

  private <T extends HasMetadata> void applyOrDelete(ShardCluster cr, Optional<T> desired, Class<T> type, String name) {
    if (desired.isPresent()) {
      apply(cr, desired.get());
    } else {
      client.resources(type).inNamespace(cr.getMetadata().getNamespace()).withName(name).delete();
    }
  }

  /** A Prometheus Operator ServiceMonitor for every component's metrics port (needs its CRD installed). */
  private void applyServiceMonitor(ShardCluster cr, ClusterView view) {
    GenericKubernetesResource monitor = new GenericKubernetesResourceBuilder()
        .withApiVersion("monitoring.coreos.com/v1").withKind("ServiceMonitor")
        .withMetadata(view.meta(view.name(), null))
        .addToAdditionalProperties("spec", Map.of(
            "selector", Map.of("matchLabels", Names.selector(view.name(), null)),
            "endpoints", List.of(Map.of("port", "metrics", "path", "/metrics"))))
        .build();
    try {
      apply(cr, monitor);
    } catch (KubernetesClientException e) {
      event(cr, "Warning", "ServiceMonitorFailed", "could not apply the ServiceMonitor (is the Prometheus Operator"
          + " CRD installed?): " + e.getMessage());
    }
  }

  /**
   * A Kubernetes event on the ShardCluster; never fails the reconciliation. The same event again
   * (same object, type, reason and message: e.g. a hold seen on every resync) raises the count of
   * the existing one instead of adding another, as kubelet's recorder does.
   */
  void event(ShardCluster cr, String type, String reason, String message) {
    String ns = cr.getMetadata().getNamespace();
    String name = eventName(cr.getMetadata().getName(), cr.getMetadata().getUid(), type, reason, message);
    try {
      String now = clock.instant().toString();
      if (client.v1().events().inNamespace(ns).withName(name).get() != null) {
        client.v1().events().inNamespace(ns).withName(name).edit(e -> {
          e.setCount(e.getCount() == null ? 2 : e.getCount() + 1);
          e.setLastTimestamp(now);
          return e;
        });
        return;
      }
      client.v1().events().inNamespace(ns).resource(new EventBuilder()
          .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(cr.getApiVersion()).withKind(cr.getKind())
              .withName(cr.getMetadata().getName()).withNamespace(ns)
              .withUid(cr.getMetadata().getUid()).build())
          .withType(type).withReason(reason).withMessage(message).withFirstTimestamp(now).withLastTimestamp(now)
          .withCount(1).withNewSource().withComponent("shardlite-operator").endSource()
          .build()).create();
    } catch (KubernetesClientException e) {
      LOG.debug("event {} not recorded: {}", reason, e.getMessage());
    }
  }

  /** {@code <cluster>.<hash>}: one name per distinct event of one cluster object. */
  static String eventName(String cluster, String uid, String type, String reason, String message) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
          (uid + "\n" + type + "\n" + reason + "\n" + message).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return cluster + "." + java.util.HexFormat.of().formatHex(digest, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
