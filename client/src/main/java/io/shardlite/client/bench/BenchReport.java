package io.shardlite.client.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pure part of {@code shardlite bench}: exact percentiles, ratios, and the rendering of a
 * finished run as Markdown and JSON. No I/O, no clocks: everything it shows is passed in.
 */
public final class BenchReport {
  private BenchReport() {}

  /**
   * One data point of the replicated write load: G shard groups, C closed-loop clients.
   *
   * @param machineCpuBusyPercent share of all cores busy during the point, whatever ran (NaN if unknown)
   * @param benchCpuPercent share of all cores used by the shard servers and the load generator
   * @param serverCpuMsPerTx CPU time of all shard servers during the point per committed write
   * @param writesPerEntry committed writes per Raft entry (entries applied by all replicas during the
   *     point, divided by the replication factor): how much group commit batched
   */
  public record WriteRun(int groups, int concurrency, double elapsedSeconds, long committed, long errors,
      Map<String, Long> errorsByCode, double txPerSec, double p50Ms, double p99Ms, double maxMs,
      double machineCpuBusyPercent, double benchCpuPercent, double serverCpuMsPerTx, double writesPerEntry) {
    public WriteRun {
      errorsByCode = Map.copyOf(new LinkedHashMap<>(errorsByCode));
    }
  }

  /** One plain-SQLite baseline: one writer, one connection, WAL, 1 row per transaction. */
  public record BaselineRun(String synchronous, double elapsedSeconds, long committed, double txPerSec, double p50Ms,
      double p99Ms) {}

  /**
   * A finished benchmark.
   *
   * @param facts machine and setup facts, in display order (cores, java version, date, ...)
   * @param notes free-text lines shown under the title (method)
   */
  public record Report(String benchmark, String startedAt, List<String> notes, Map<String, String> facts,
      List<BaselineRun> baselines, List<WriteRun> runs) {
    public Report {
      notes = List.copyOf(notes);
      facts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facts));
      baselines = List.copyOf(baselines);
      runs = List.copyOf(runs);
    }

    /** The baseline with this synchronous mode, or null. */
    public BaselineRun baseline(String synchronous) {
      return baselines.stream().filter(b -> b.synchronous().equalsIgnoreCase(synchronous)).findFirst().orElse(null);
    }
  }

  // ---------------------------------------------------------------- computations

  /**
   * The exact nearest-rank percentile of recorded values: the smallest value such that at least
   * {@code p} of all values are at or below it. {@code p} in (0, 1]; 0 for no values.
   *
   * @param sorted values in ascending order
   */
  public static long percentile(long[] sorted, double p) {
    if (!(p > 0 && p <= 1)) {
      throw new IllegalArgumentException("percentile must be in (0, 1], got " + p);
    }
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /**
   * The seconds of a run whose slowest transaction took more than {@code thresholdMs}, as
   * "second (worst ms)" in order, e.g. "3 (980 ms), 4 (851 ms)"; empty when none did. Tells a
   * stall (a second or two in which everything in flight was slow) from a tail spread over the run.
   *
   * @param worstMsBySecond the slowest latency of the transactions sent in each second of the run
   */
  public static String slowSeconds(List<Double> worstMsBySecond, double thresholdMs) {
    List<String> slow = new ArrayList<>();
    for (int i = 0; i < worstMsBySecond.size(); i++) {
      double worst = worstMsBySecond.get(i);
      if (worst > thresholdMs) {
        slow.add(String.format(Locale.ROOT, "%d (%.0f ms)", i, worst));
      }
    }
    return String.join(", ", slow);
  }

  /** Sorts a copy of nanosecond latencies and returns {p50, p99, max} in milliseconds. */
  public static double[] latencySummaryMillis(long[] nanos) {
    long[] s = Arrays.copyOf(nanos, nanos.length);
    Arrays.sort(s);
    return new double[] {percentile(s, 0.50) / 1e6, percentile(s, 0.99) / 1e6,
        s.length == 0 ? 0 : s[s.length - 1] / 1e6};
  }

  /** {@code value / base}, or NaN when there is no (positive) base. */
  public static double ratio(double value, double base) {
    return base > 0 && !Double.isNaN(value) ? value / base : Double.NaN;
  }

  /** Per-second rate, 0 for an empty interval. */
  public static double rate(long count, double seconds) {
    return seconds > 0 ? count / seconds : 0;
  }

  // ---------------------------------------------------------------- formatting

  /** Three significant digits, plain notation, with an {@code x}: 0.0131x, 0.952x, 12.3x; n/a for NaN. */
  public static String formatRatio(double r) {
    if (Double.isNaN(r) || Double.isInfinite(r)) {
      return "n/a";
    }
    if (r == 0) {
      return "0x";
    }
    return new BigDecimal(r).round(new MathContext(3, RoundingMode.HALF_UP)).stripTrailingZeros().toPlainString() + "x";
  }

  /** Rates: one decimal below 100, whole numbers with thousands separators above. */
  public static String formatRate(double v) {
    return v < 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%,.0f", v);
  }

  /** Milliseconds: 3 decimals below 1 ms, 2 below 100 ms, 1 above. */
  public static String formatMillis(double ms) {
    if (ms < 1) {
      return String.format(Locale.ROOT, "%.3f", ms);
    }
    return String.format(Locale.ROOT, ms < 100 ? "%.2f" : "%.1f", ms);
  }

  private static String percent(double p) {
    return Double.isNaN(p) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", p);
  }

  public static String markdown(Report r) {
    StringBuilder sb = new StringBuilder();
    sb.append("# shardlite bench ").append(r.benchmark()).append(" (").append(r.startedAt()).append(")\n\n");
    for (String n : r.notes()) {
      sb.append(n).append('\n');
    }
    if (!r.notes().isEmpty()) {
      sb.append('\n');
    }
    BaselineRun full = r.baseline("FULL");
    BaselineRun normal = r.baseline("NORMAL");
    sb.append("## Replicated writes (3 servers, replication factor 3)\n\n");
    sb.append("| groups | concurrency | tx/s | p50 ms | p99 ms | errors | vs SQLite FULL | vs SQLite NORMAL"
        + " | CPU busy: machine / bench | server CPU ms/tx | writes per Raft entry |\n");
    sb.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (WriteRun w : r.runs()) {
      sb.append("| ").append(w.groups())
          .append(" | ").append(w.concurrency())
          .append(" | ").append(formatRate(w.txPerSec()))
          .append(" | ").append(formatMillis(w.p50Ms()))
          .append(" | ").append(formatMillis(w.p99Ms()))
          .append(" | ").append(w.errors())
          .append(" | ").append(formatRatio(ratio(w.txPerSec(), full == null ? Double.NaN : full.txPerSec())))
          .append(" | ").append(formatRatio(ratio(w.txPerSec(), normal == null ? Double.NaN : normal.txPerSec())))
          .append(" | ").append(percent(w.machineCpuBusyPercent())).append(" / ").append(percent(w.benchCpuPercent()))
          .append(" | ").append(Double.isNaN(w.serverCpuMsPerTx()) ? "n/a" : formatMillis(w.serverCpuMsPerTx()))
          .append(" | ").append(Double.isNaN(w.writesPerEntry()) ? "n/a" : String.format(Locale.ROOT, "%.1f", w.writesPerEntry()))
          .append(" |\n");
    }
    boolean anyErrors = r.runs().stream().anyMatch(w -> w.errors() > 0);
    sb.append('\n').append("Errors: ");
    if (!anyErrors) {
      sb.append("none.\n");
    } else {
      sb.append('\n');
      for (WriteRun w : r.runs()) {
        if (w.errors() > 0) {
          sb.append("- groups ").append(w.groups()).append(", concurrency ").append(w.concurrency()).append(": ")
              .append(w.errors()).append(' ').append(w.errorsByCode()).append('\n');
        }
      }
    }
    sb.append("\n## Baseline: plain SQLite (sqlite-jdbc in-process, 1 writer, 1 connection, WAL, 1 row of 100 B per tx)\n\n");
    sb.append("| synchronous | tx/s | p50 ms | p99 ms |\n");
    sb.append("| --- | ---: | ---: | ---: |\n");
    for (BaselineRun b : r.baselines()) {
      sb.append("| ").append(b.synchronous())
          .append(" | ").append(formatRate(b.txPerSec()))
          .append(" | ").append(formatMillis(b.p50Ms()))
          .append(" | ").append(formatMillis(b.p99Ms()))
          .append(" |\n");
    }
    if (r.baselines().isEmpty()) {
      sb.append("| (not run) | | | |\n");
    }
    sb.append("\n## Machine\n\n| fact | value |\n| --- | --- |\n");
    r.facts().forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n"));
    return sb.toString();
  }

  public static String json(Report r) {
    Json j = new Json();
    j.beginObject();
    j.field("benchmark", r.benchmark());
    j.field("started_at", r.startedAt());
    j.name("notes").beginArray();
    r.notes().forEach(j::value);
    j.endArray();
    j.name("machine").beginObject();
    r.facts().forEach(j::field);
    j.endObject();
    j.name("sqlite_baseline").beginArray();
    for (BaselineRun b : r.baselines()) {
      j.beginObject();
      j.field("journal_mode", "WAL");
      j.field("synchronous", b.synchronous());
      j.field("rows_per_tx", 1);
      j.field("elapsed_s", b.elapsedSeconds());
      j.field("committed", b.committed());
      j.field("tx_per_s", b.txPerSec());
      j.field("p50_ms", b.p50Ms());
      j.field("p99_ms", b.p99Ms());
      j.endObject();
    }
    j.endArray();
    BaselineRun full = r.baseline("FULL");
    BaselineRun normal = r.baseline("NORMAL");
    j.name("shard_writes").beginArray();
    for (WriteRun w : r.runs()) {
      j.beginObject();
      j.field("groups", w.groups());
      j.field("concurrency", w.concurrency());
      j.field("elapsed_s", w.elapsedSeconds());
      j.field("committed", w.committed());
      j.field("errors", w.errors());
      j.name("errors_by_code").beginObject();
      w.errorsByCode().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> j.field(e.getKey(), e.getValue()));
      j.endObject();
      j.field("tx_per_s", w.txPerSec());
      j.field("p50_ms", w.p50Ms());
      j.field("p99_ms", w.p99Ms());
      j.field("max_ms", w.maxMs());
      j.field("ratio_to_sqlite_full", ratio(w.txPerSec(), full == null ? Double.NaN : full.txPerSec()));
      j.field("ratio_to_sqlite_normal", ratio(w.txPerSec(), normal == null ? Double.NaN : normal.txPerSec()));
      j.field("machine_cpu_busy_percent", w.machineCpuBusyPercent());
      j.field("bench_cpu_percent", w.benchCpuPercent());
      j.field("server_cpu_ms_per_tx", w.serverCpuMsPerTx());
      j.field("writes_per_raft_entry", w.writesPerEntry());
      j.endObject();
    }
    j.endArray();
    j.endObject();
    return j.toString() + "\n";
  }

  /** A tiny streaming JSON writer (two-space indentation); NaN and infinities become null. */
  static final class Json {
    private final StringBuilder sb = new StringBuilder();
    /** Per open container: has it got an element yet. */
    private final java.util.ArrayDeque<boolean[]> stack = new java.util.ArrayDeque<>();
    private boolean afterName;

    Json beginObject() {
      open('{');
      return this;
    }

    Json endObject() {
      close('}');
      return this;
    }

    Json beginArray() {
      open('[');
      return this;
    }

    Json endArray() {
      close(']');
      return this;
    }

    Json name(String name) {
      separate();
      string(name);
      sb.append(": ");
      afterName = true;
      return this;
    }

    Json value(String v) {
      separate();
      if (v == null) {
        sb.append("null");
      } else {
        string(v);
      }
      return this;
    }

    Json value(long v) {
      separate();
      sb.append(v);
      return this;
    }

    Json value(double v) {
      separate();
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        sb.append("null");
      } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
        sb.append((long) v).append(".0");
      } else {
        sb.append(BigDecimal.valueOf(v).round(new MathContext(6, RoundingMode.HALF_UP)).stripTrailingZeros().toPlainString());
      }
      return this;
    }

    Json field(String name, String v) {
      return name(name).value(v);
    }

    Json field(String name, long v) {
      return name(name).value(v);
    }

    Json field(String name, double v) {
      return name(name).value(v);
    }

    private void open(char c) {
      separate();
      sb.append(c);
      stack.push(new boolean[1]);
    }

    private void close(char c) {
      boolean[] hasElements = stack.pop();
      if (hasElements[0]) {
        newline();
      }
      sb.append(c);
    }

    /** Before a name or a value: the comma and newline it needs, unless it follows its name. */
    private void separate() {
      if (afterName) {
        afterName = false;
        return;
      }
      boolean[] top = stack.peek();
      if (top != null) {
        if (top[0]) {
          sb.append(',');
        }
        top[0] = true;
        newline();
      }
    }

    private void newline() {
      sb.append('\n').append("  ".repeat(stack.size()));
    }

    private void string(String s) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        switch (ch) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          default -> {
            if (ch < 0x20) {
              sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
              sb.append(ch);
            }
          }
        }
      }
      sb.append('"');
    }

    @Override
    public String toString() {
      return sb.toString();
    }
  }
}
