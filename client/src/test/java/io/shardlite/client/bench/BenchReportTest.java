package io.shardlite.client.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchReportTest {
  @Test
  void slowSecondsNameTheSecondsWhoseWorstTransactionExceededTheThreshold() {
    List<Double> worst = List.of(120.0, 980.4, 851.0, 199.9, 200.1);
    assertThat(BenchReport.slowSeconds(worst, 200)).isEqualTo("1 (980 ms), 2 (851 ms), 4 (200 ms)");
    assertThat(BenchReport.slowSeconds(worst, 2000)).isEmpty();
    assertThat(BenchReport.slowSeconds(List.of(), 100)).isEmpty();
  }

  @Test
  void percentilesAreExactNearestRank() {
    long[] v = new long[100];
    for (int i = 0; i < 100; i++) {
      v[i] = i + 1; // 1..100
    }
    assertThat(BenchReport.percentile(v, 0.50)).isEqualTo(50);
    assertThat(BenchReport.percentile(v, 0.99)).isEqualTo(99);
    assertThat(BenchReport.percentile(v, 1.0)).isEqualTo(100);
    assertThat(BenchReport.percentile(v, 0.001)).isEqualTo(1);

    assertThat(BenchReport.percentile(new long[] {7}, 0.99)).isEqualTo(7);
    assertThat(BenchReport.percentile(new long[] {1, 2, 3, 4}, 0.50)).isEqualTo(2);
    assertThat(BenchReport.percentile(new long[] {1, 2, 3}, 0.50)).isEqualTo(2);
    // 99th of 10 values: rank ceil(9.9) = 10, the largest.
    assertThat(BenchReport.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 1000}, 0.99)).isEqualTo(1000);
    assertThat(BenchReport.percentile(new long[0], 0.5)).isZero();
    assertThatThrownBy(() -> BenchReport.percentile(v, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchReport.percentile(v, 1.5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void latencySummarySortsACopyAndConvertsToMillis() {
    long[] nanos = {3_000_000, 1_000_000, 2_000_000, 10_000_000};
    double[] s = BenchReport.latencySummaryMillis(nanos);
    assertThat(s[0]).isEqualTo(2.0);
    assertThat(s[1]).isEqualTo(10.0);
    assertThat(s[2]).isEqualTo(10.0);
    assertThat(nanos[0]).isEqualTo(3_000_000); // input untouched
    assertThat(BenchReport.latencySummaryMillis(new long[0])).containsExactly(0, 0, 0);
  }

  @Test
  void ratiosAndRates() {
    assertThat(BenchReport.ratio(50, 4000)).isCloseTo(0.0125, within(1e-12));
    assertThat(BenchReport.ratio(50, 0)).isNaN();
    assertThat(BenchReport.ratio(50, Double.NaN)).isNaN();
    assertThat(BenchReport.rate(800, 8.0)).isEqualTo(100.0);
    assertThat(BenchReport.rate(5, 0)).isZero();

    assertThat(BenchReport.formatRatio(0.0125)).isEqualTo("0.0125x");
    assertThat(BenchReport.formatRatio(0.012345)).isEqualTo("0.0123x");
    assertThat(BenchReport.formatRatio(0.9516)).isEqualTo("0.952x");
    assertThat(BenchReport.formatRatio(12.34)).isEqualTo("12.3x");
    assertThat(BenchReport.formatRatio(2.0)).isEqualTo("2x");
    assertThat(BenchReport.formatRatio(1234.5)).isEqualTo("1230x");
    assertThat(BenchReport.formatRatio(Double.NaN)).isEqualTo("n/a");
    assertThat(BenchReport.formatRate(42.25)).isEqualTo("42.3");
    assertThat(BenchReport.formatRate(4218.4)).isEqualTo("4,218");
    assertThat(BenchReport.formatMillis(0.4812)).isEqualTo("0.481");
    assertThat(BenchReport.formatMillis(17.126)).isEqualTo("17.13");
    assertThat(BenchReport.formatMillis(250.04)).isEqualTo("250.0");
  }

  private static BenchReport.Report sample() {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("cores", "2");
    facts.put("java", "OpenJDK \"17\" | x");
    return new BenchReport.Report("shard-writes", "2026-11-25T10:00:00Z", List.of("Method: test."), facts,
        List.of(new BenchReport.BaselineRun("FULL", 8.0, 32_000, 4000.0, 0.21, 0.48),
            new BenchReport.BaselineRun("NORMAL", 8.0, 160_000, 20000.0, 0.04, 0.09)),
        List.of(new BenchReport.WriteRun(1, 1, 8.1, 405, 0, Map.of(), 50.0, 18.5, 25.25, 40.0, 55.0, 40.2, 12.25, 1.25),
            new BenchReport.WriteRun(8, 64, 8.2, 1640, 3, Map.of("TIMEOUT", 2L, "UNAVAILABLE", 1L), 200.0, 300.0,
                900.5, 1200.0, Double.NaN, Double.NaN, Double.NaN, Double.NaN)));
  }

  @Test
  void markdownHasOneRowPerRunWithRatiosAndTheBaselineAndFacts() {
    String md = BenchReport.markdown(sample());
    assertThat(md).contains("# shardlite bench shard-writes (2026-11-25T10:00:00Z)");
    assertThat(md).contains("| groups | concurrency | tx/s | p50 ms | p99 ms | errors | vs SQLite FULL | vs SQLite NORMAL |");
    assertThat(md).contains("| 1 | 1 | 50.0 | 18.50 | 25.25 | 0 | 0.0125x | 0.0025x | 55% / 40% | 12.25 | 1.3 |");
    assertThat(md).contains("| 8 | 64 | 200 | 300.0 | 900.5 | 3 | 0.05x | 0.01x | n/a / n/a | n/a |");
    assertThat(md).contains("- groups 8, concurrency 64: 3 ");
    assertThat(md).contains("| FULL | 4,000 | 0.210 | 0.480 |");
    assertThat(md).contains("| NORMAL | 20,000 | 0.040 | 0.090 |");
    assertThat(md).contains("| cores | 2 |");
    assertThat(md).contains("| java | OpenJDK \"17\" \\| x |");
  }

  @Test
  void markdownWithoutBaselineShowsNotApplicableRatios() {
    BenchReport.Report r = sample();
    BenchReport.Report noBase = new BenchReport.Report(r.benchmark(), r.startedAt(), r.notes(), r.facts(), List.of(),
        r.runs());
    String md = BenchReport.markdown(noBase);
    assertThat(md).contains("| 1 | 1 | 50.0 | 18.50 | 25.25 | 0 | n/a | n/a | 55% / 40% | 12.25 | 1.3 |");
    assertThat(md).contains("(not run)");
  }

  @Test
  void jsonIsWellFormedAndCarriesEveryFigure() {
    String json = BenchReport.json(sample());
    assertThat(json).contains("\"benchmark\": \"shard-writes\"");
    assertThat(json).contains("\"java\": \"OpenJDK \\\"17\\\" | x\"");
    assertThat(json).contains("\"tx_per_s\": 50.0");
    assertThat(json).contains("\"p99_ms\": 25.25");
    assertThat(json).contains("\"ratio_to_sqlite_full\": 0.0125");
    assertThat(json).contains("\"ratio_to_sqlite_normal\": 0.0025");
    assertThat(json).contains("\"errors_by_code\": {\n        \"TIMEOUT\": 2,\n        \"UNAVAILABLE\": 1\n      }");
    assertThat(json).contains("\"errors_by_code\": {}");
    assertThat(json).contains("\"machine_cpu_busy_percent\": null");
    assertThat(json).contains("\"server_cpu_ms_per_tx\": 12.25");
    assertThat(json).contains("\"writes_per_raft_entry\": 1.25");
    assertThat(json).startsWith("{\n  \"benchmark\"").endsWith("}\n");
    assertBalanced(json);
  }

  @Test
  void jsonEscapesControlCharacters() {
    BenchReport.Json j = new BenchReport.Json();
    j.beginObject().field("a\"b", "x\\y\n\u0001").name("list").beginArray().value(1).value(2.5).value(Double.NaN)
        .endArray().endObject();
    assertThat(j.toString()).isEqualTo("{\n  \"a\\\"b\": \"x\\\\y\\n\\u0001\",\n  \"list\": [\n    1,\n    2.5,\n    null\n  ]\n}");
  }

  /** Brackets balance outside strings, and no comma is followed by a closing bracket. */
  private static void assertBalanced(String json) {
    int depth = 0;
    boolean inString = false;
    char lastSignificant = 0;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        assertThat(lastSignificant).isNotEqualTo(',');
        depth--;
        assertThat(depth).isGreaterThanOrEqualTo(0);
      }
      if (!Character.isWhitespace(c)) {
        lastSignificant = c;
      }
    }
    assertThat(depth).isZero();
    assertThat(inString).isFalse();
  }
}
