package io.shardlite.common.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.junit.jupiter.api.Test;

class LeanRatisMetricsTest {
  private static final MetricRegistryInfo INFO = new MetricRegistryInfo("s0@group-1", "ratis", "log_worker", "test");

  @Test
  void ratisLoadsThisRegistryThroughItsServiceFile() {
    assertThat(MetricRegistries.global()).isInstanceOf(LeanRatisMetrics.class);
  }

  @Test
  void countersCountAndTimersRecordNothing() {
    LeanRatisMetrics metrics = new LeanRatisMetrics();
    RatisMetricRegistry registry = metrics.create(INFO);
    assertThat(metrics.create(new MetricRegistryInfo("s0@group-1", "ratis", "log_worker", "test"))).isSameAs(registry);

    LongCounter counter = registry.counter("flushCount");
    counter.inc();
    counter.inc(4);
    counter.dec();
    assertThat(registry.counter("flushCount").getCount()).isEqualTo(4);
    assertThat(registry.timer("flushTime").time().stop()).isZero();

    assertThat(registry.remove("flushCount")).isTrue();
    assertThat(registry.counter("flushCount").getCount()).isZero();
  }

  @Test
  void registriesAreFoundAndRemovedByTheirInfo() {
    LeanRatisMetrics metrics = new LeanRatisMetrics();
    RatisMetricRegistry registry = metrics.create(INFO);
    assertThat(metrics.get(INFO)).containsSame(registry);
    assertThat(metrics.getMetricRegistryInfos()).containsExactly(INFO);
    assertThat(metrics.remove(INFO)).isTrue();
    assertThat(metrics.get(INFO)).isEmpty();
    assertThat(metrics.getMetricRegistries()).isEmpty();
  }
}
