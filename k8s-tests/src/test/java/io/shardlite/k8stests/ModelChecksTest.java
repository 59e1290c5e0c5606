package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The validity checks catch what they claim to catch (so a passing chart test means something). */
class ModelChecksTest {
  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: op, namespace: ns}
      spec:
        selector: {matchLabels: {app: op}}
        template:
          metadata: {labels: {app: op}}
          spec:
            containers:
              - name: op
                image: example/op:1
                %s
      """;

  @Test
  void aValidDeploymentPasses() {
    Manifests m = Manifests.parse(DEPLOYMENT.formatted("imagePullPolicy: Never"));
    assertThatCode(() -> ModelChecks.assertValid(m)).doesNotThrowAnyException();
  }

  @Test
  void aMisspelledFieldIsAnUnknownField() {
    Manifests m = Manifests.parse(DEPLOYMENT.formatted("imagePullPolcy: Never"));
    assertThatThrownBy(() -> ModelChecks.assertValid(m)).hasMessageContaining("imagePullPolcy");
  }

  @Test
  void aFieldOfAnotherKindIsAnUnknownField() {
    Manifests m = Manifests.parse(DEPLOYMENT.formatted("rules: []"));
    assertThatThrownBy(() -> ModelChecks.assertValid(m)).hasMessageContaining("rules");
  }

  @Test
  void anUnknownApiVersionStaysUntypedAndIsRefused() {
    Manifests m = Manifests.parse("""
        apiVersion: apps/v1beta9
        kind: Deployment
        metadata: {name: op, namespace: ns}
        """);
    assertThatThrownBy(() -> ModelChecks.assertValid(m)).hasMessageContaining("only custom resources stay untyped");
  }

  @Test
  void aBindingToARoleTheChartDoesNotRenderIsRefused() {
    Manifests m = Manifests.parse("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: b, namespace: ns}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
        subjects: [{kind: ServiceAccount, name: op, namespace: ns}]
        """);
    assertThatThrownBy(() -> ModelChecks.assertValid(m)).hasMessageContaining("binds a role the chart renders");
  }

  @Test
  void aSelectorThatMissesThePodLabelsIsRefused() {
    Manifests m = Manifests.parse(DEPLOYMENT.formatted("").replace("labels: {app: op}", "labels: {app: other}"));
    assertThatThrownBy(() -> ModelChecks.assertValid(m)).hasMessageContaining("template labels match the selector");
  }
}
