package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

/** `helm lint --strict` of the chart: no error and no warning. */
class ChartLintTest {
  @Test
  void theChartLintsCleanInStrictMode() {
    LintResult result = ChartUnderTest.lint();
    assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages()).as("lint messages")
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }
}
