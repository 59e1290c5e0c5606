package io.shardlite.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsScrapeTest {
  @Test
  void sumsEveryLabelSetOfExactlyTheNamedMetric() {
    String text = """
        # HELP shardlite_shard_entries_applied_total Committed log entries applied.
        # TYPE shardlite_shard_entries_applied_total counter
        shardlite_shard_entries_applied_total{shard="0",} 12.0
        shardlite_shard_entries_applied_total{shard="1",} 30.0
        shardlite_shard_entries_applied_total_created{shard="0",} 1.7E9
        shardlite_sequencer_applied_index 7.0
        """;
    assertThat(MetricsScrape.sumOf(text, "shardlite_shard_entries_applied_total")).isEqualTo(42.0);
    assertThat(MetricsScrape.sumOf(text, "shardlite_sequencer_applied_index")).isEqualTo(7.0);
    assertThat(MetricsScrape.sumOf(text, "shardlite_missing")).isEqualTo(0.0);
    assertThat(MetricsScrape.samples(text, "shardlite_shard_entries_applied_total"))
        .containsExactly(java.util.Map.entry("shard=\"0\"", 12.0), java.util.Map.entry("shard=\"1\"", 30.0));
    assertThat(MetricsScrape.samples(text, "shardlite_sequencer_applied_index")).containsExactly(java.util.Map.entry("", 7.0));
  }

  @Test
  void readsSeveralMetricsFromExpositionsScrapedOnce() {
    java.util.List<String> vms = java.util.List.of(
        "shardlite_vm_lane_phase_seconds_count{phase=\"wait\",} 3.0\nshardlite_vm_lane_hold_seconds_sum 1.5\n",
        "shardlite_vm_lane_phase_seconds_count{phase=\"wait\",} 4.0\nshardlite_vm_lane_hold_seconds_sum 0.5\n");
    assertThat(MetricsScrape.byLabelsIn(vms, "shardlite_vm_lane_phase_seconds_count"))
        .containsExactly(java.util.Map.entry("phase=\"wait\"", 7.0));
    assertThat(MetricsScrape.sumIn(vms, "shardlite_vm_lane_hold_seconds_sum")).isEqualTo(2.0);
    assertThat(MetricsScrape.sumIn(java.util.List.of(vms.get(0), ""), "shardlite_vm_lane_hold_seconds_sum")).isNaN();
  }
}
