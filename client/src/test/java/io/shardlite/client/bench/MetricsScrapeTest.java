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
}
