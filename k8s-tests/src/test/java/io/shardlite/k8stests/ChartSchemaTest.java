package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** values.schema.json (and the templates' own checks) refuse bad values before anything renders. */
class ChartSchemaTest {
  static Stream<Arguments> badSetValues() {
    return Stream.of(
        Arguments.of("image.pullPolicy", "Sometimes", "pullPolicy"),
        Arguments.of("image.repository", "", "repository"),
        Arguments.of("image.repository", "Example.com/Operator", "repository"),
        Arguments.of("image.tag", "has space", "tag"),
        Arguments.of("replicaCount", 0, "replicaCount"),
        Arguments.of("replicaCount", 9, "replicaCount"),
        Arguments.of("clusterWide", "yes please", "clusterWide"),
        Arguments.of("crds.create", "sometimes", "create"),
        Arguments.of("notAValue", 1, "notAValue"),
        Arguments.of("serviceMonitor.interval", "soon", "interval"),
        Arguments.of("metrics.service.port", 70000, "port"),
        Arguments.of("metrics.service.type", "ExternalName", "type"),
        Arguments.of("resources.requests.cpu", "lots", "cpu"),
        Arguments.of("podSecurityContext.runAsNonRoot", false, "runAsNonRoot"),
        Arguments.of("securityContext.allowPrivilegeEscalation", true, "allowPrivilegeEscalation"),
        Arguments.of("securityContext.privileged", true, "privileged"),
        Arguments.of("shardCluster.name", "Bad_Name", "name"),
        Arguments.of("shardCluster.spec.shards", 0, "shards"),
        Arguments.of("shardCluster.spec.shards", 5000, "shards"),
        Arguments.of("shardCluster.spec.replicationFactor", 2, "replicationFactor"),
        Arguments.of("shardCluster.spec.sequencer.replicas", 4, "replicas"),
        Arguments.of("probes.liveness.periodSeconds", 0, "periodSeconds"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badSetValues")
  void aBadSetValueIsRefused(String key, Object value, String mentioned) {
    assertThatThrownBy(() -> ChartUnderTest.render(Map.of(key, value)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(mentioned);
  }

  static Stream<Arguments> badValuesFiles() {
    return Stream.of(
        Arguments.of("watchNamespaces: [Team_A]", "watchNamespaces"),
        Arguments.of("watchNamespaces: [team-a, team-a]", "watchNamespaces"),
        Arguments.of("watchNamespaces: team-a", "watchNamespaces"),
        Arguments.of("clusterWide: true\nwatchNamespaces: [team-a]", "watchNamespaces"),
        Arguments.of("imagePullSecrets: [{}]", "name"),
        Arguments.of("imagePullSecrets: [registry]", "imagePullSecrets"),
        Arguments.of("tolerations: [{key: k, operator: Maybe}]", "operator"),
        Arguments.of("nodeSelector: {disk: 1}", "disk"),
        Arguments.of("shardCluster: {create: true, spec: {shards: null}}", "shards"),
        Arguments.of("shardCluster: {create: true, spec: {shards: '16'}}", "shards"),
        Arguments.of("extraEnv: [{value: x}]", "name"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValuesFiles")
  void aBadValuesFileIsRefused(String yaml, String mentioned) {
    assertThatThrownBy(() -> ChartUnderTest.render(yaml, Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(mentioned);
  }

  static Stream<Arguments> goodValues() {
    return Stream.of(
        Arguments.of("image.tag", "1.2.3"),
        Arguments.of("image.tag", "@sha256:" + "a".repeat(64)),
        Arguments.of("replicaCount", 2),
        Arguments.of("resources.requests.cpu", "250m"),
        Arguments.of("resources.limits.memory", "1Gi"),
        Arguments.of("shardCluster.spec.replicationFactor", 5),
        Arguments.of("serviceMonitor.interval", "1m"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("goodValues")
  void aGoodValueIsAccepted(String key, Object value) {
    assertThatCode(() -> ChartUnderTest.render(Map.of(key, value))).doesNotThrowAnyException();
  }
}
