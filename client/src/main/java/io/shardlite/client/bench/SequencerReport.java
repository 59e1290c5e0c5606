package io.shardlite.client.bench;

import static io.shardlite.client.bench.BenchReport.formatMillis;
import static io.shardlite.client.bench.BenchReport.formatRate;
import static io.shardlite.client.bench.BenchReport.formatRatio;
import static io.shardlite.client.bench.BenchReport.ratio;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The pure part of {@code shardlite bench sequencer}: the target verdict, ratios to etcd, and the
 * rendering of a finished run as Markdown and JSON. No I/O, no clocks.
 */
public final class SequencerReport {
  /** The target: with batching, LSNs/s at least this many times etcd's puts/s. */
  public static final double TARGET_FACTOR = 20;

  private SequencerReport() {}

  /**
   * One sequencer data point.
   *
   * @param wrongAnswers replies that broke a rule of {@link LsnCheck} (0 expected)
   * @param unseenLsns LSNs no reply carried (0 expected when there are no errors)
   * @param machineCpuBusyPercent share of all cores busy, whatever ran (NaN if unknown)
   * @param sequencerCpuPercent share of all cores used by the 3 sequencer replicas
   * @param sequencerCpuMicrosPerLsn the replicas' CPU time per LSN assigned in the window
   */
  public record SeqPoint(int batch, int streams, int inFlight, double seconds, long requests, long lsns,
      double p50Ms, double p99Ms, double maxMs, long errors, Map<String, Long> errorsByCode, long wrongAnswers,
      long unseenLsns, double machineCpuBusyPercent, double sequencerCpuPercent, double sequencerCpuMicrosPerLsn) {
    public SeqPoint {
      errorsByCode = Collections.unmodifiableMap(new LinkedHashMap<>(errorsByCode));
    }

    public double lsnsPerSec() {
      return BenchReport.rate(lsns, seconds);
    }

    public double requestsPerSec() {
      return BenchReport.rate(requests, seconds);
    }
  }

  /**
   * One etcd data point: {@code clients} clients, each with {@code inFlight} puts outstanding.
   *
   * @param etcdCpuPercent share of all cores used by the 3 etcd members
   */
  public record EtcdPoint(String client, int clients, int inFlight, double seconds, long puts, double p50Ms,
      double p99Ms, long errors, long duplicateRevisions, double machineCpuBusyPercent, double etcdCpuPercent) {
    public double putsPerSec() {
      return BenchReport.rate(puts, seconds);
    }
  }

  /**
   * A finished run.
   *
   * @param etcdSkipped why etcd was not measured, or null when it was
   * @param lsnsChecked LSNs whose answers were checked (warm-ups included)
   * @param violationSamples descriptions of the first wrong answers (empty when all were right)
   */
  public record Report(String startedAt, List<String> notes, Map<String, String> facts, List<SeqPoint> points,
      List<EtcdPoint> etcd, String etcdSkipped, long lsnsChecked, Map<String, Long> violationsByKind,
      List<String> violationSamples) {
    public Report {
      notes = List.copyOf(notes);
      facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
      points = List.copyOf(points);
      etcd = List.copyOf(etcd);
      violationsByKind = Collections.unmodifiableMap(new LinkedHashMap<>(violationsByKind));
      violationSamples = List.copyOf(violationSamples);
    }

    /** The native gRPC etcd point with this many clients and puts in flight per client. */
    public Optional<EtcdPoint> etcdAt(int clients, int inFlight) {
      return etcd.stream().filter(e -> e.client().equals("gRPC") && e.clients() == clients && e.inFlight() == inFlight)
          .findFirst();
    }

    /** etcd's highest put rate in the run, any client, any concurrency. */
    public Optional<EtcdPoint> bestEtcd() {
      return etcd.stream().filter(e -> e.puts() > 0).max(Comparator.comparingDouble(EtcdPoint::putsPerSec));
    }

    /** The fastest point with this batch size (or with batching, batch > 1, for batch 0). */
    public Optional<SeqPoint> best(int batch) {
      return points.stream().filter(p -> batch == 0 ? p.batch() > 1 : p.batch() == batch)
          .max(Comparator.comparingDouble(SeqPoint::lsnsPerSec));
    }

    public boolean anyWrong() {
      return points.stream().anyMatch(p -> p.errors() > 0 || p.wrongAnswers() > 0 || p.unseenLsns() > 0 || p.lsns() == 0)
          || violationsByKind.values().stream().anyMatch(v -> v > 0);
    }
  }

  /** The verdict: best batched LSNs/s against etcd's best puts/s; empty when either is missing. */
  public record Target(SeqPoint bestBatched, EtcdPoint bestEtcd, double ratio, boolean met) {}

  public static Optional<Target> target(Report r) {
    Optional<SeqPoint> batched = r.best(0);
    Optional<EtcdPoint> etcd = r.bestEtcd();
    if (batched.isEmpty() || etcd.isEmpty()) {
      return Optional.empty();
    }
    double x = ratio(batched.get().lsnsPerSec(), etcd.get().putsPerSec());
    return Optional.of(new Target(batched.get(), etcd.get(), x, x >= TARGET_FACTOR));
  }

  /** Ratio of a point to etcd with as many clients, one put in flight each (NaN if not measured). */
  public static double ratioSameClients(Report r, SeqPoint p) {
    return ratio(p.lsnsPerSec(), r.etcdAt(p.streams(), 1).map(EtcdPoint::putsPerSec).orElse(Double.NaN));
  }

  /** Ratio of a point to etcd with as many clients and as many puts in flight per client. */
  public static double ratioSameInFlight(Report r, SeqPoint p) {
    return ratio(p.lsnsPerSec(), r.etcdAt(p.streams(), p.inFlight()).map(EtcdPoint::putsPerSec).orElse(Double.NaN));
  }

  private static String percent(double p) {
    return Double.isNaN(p) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", p);
  }

  private static String etcdRate(Optional<EtcdPoint> e) {
    return e.map(x -> formatRate(x.putsPerSec())).orElse("-");
  }

  /** The verdict lines, also printed on the console. */
  public static List<String> verdict(Report r) {
    Optional<Target> t = target(r);
    if (t.isEmpty()) {
      return List.of(r.etcdSkipped() != null ? "etcd was not measured (" + r.etcdSkipped() + "): no ratio, target not evaluated."
          : "no batched point or no etcd point: target not evaluated.");
    }
    Target x = t.get();
    List<String> lines = new java.util.ArrayList<>();
    lines.add(String.format(Locale.ROOT, "With batching: best %s LSNs/s (batch %d, %d streams) = %s etcd's best put rate in this"
        + " run (%s puts/s, %s, %d clients x %d in flight): target %s is %s.", formatRate(x.bestBatched().lsnsPerSec()),
        x.bestBatched().batch(), x.bestBatched().streams(), formatRatio(x.ratio()), formatRate(x.bestEtcd().putsPerSec()),
        x.bestEtcd().client(), x.bestEtcd().clients(), x.bestEtcd().inFlight(), formatRatio(TARGET_FACTOR),
        x.met() ? "MET" : "NOT MET"));
    for (int batch : r.points().stream().map(SeqPoint::batch).distinct().sorted().toList()) {
      SeqPoint b = r.best(batch).orElseThrow();
      double worstSame = r.points().stream().filter(p -> p.batch() == batch).mapToDouble(p -> ratioSameClients(r, p))
          .filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN);
      lines.add(String.format(Locale.ROOT, "Batch %d: best %s LSNs/s = %s etcd's best; against etcd with the same"
          + " number of clients, from %s up.", batch, formatRate(b.lsnsPerSec()),
          formatRatio(ratio(b.lsnsPerSec(), x.bestEtcd().putsPerSec())), formatRatio(worstSame)));
    }
    return lines;
  }

  public static String markdown(Report r) {
    StringBuilder sb = new StringBuilder();
    sb.append("# shardlite bench sequencer (").append(r.startedAt()).append(")\n\n");
    for (String n : r.notes()) {
      sb.append(n).append("\n\n");
    }
    sb.append("## Target: with batching, at least ").append(formatRatio(TARGET_FACTOR))
        .append(" etcd's put rate in LSNs/s\n\n");
    for (String v : verdict(r)) {
      sb.append("- ").append(v).append('\n');
    }
    sb.append("- Answers: ").append(r.anyWrong() ? "**PROBLEMS SEEN, see below.**" : "all right (see below).").append('\n');
    sb.append("\n## Sequencer: LSN assignment, 3 replicas\n\n");
    sb.append("Ratios: to etcd (native gRPC) with the same number of clients as streams, one put in flight each"
        + " (\"same clients\"), and with as many puts in flight per client as requests per stream (\"same in flight\").\n\n");
    sb.append("| batch | streams | LSNs/s | requests/s | p50 ms | p99 ms | max ms | etcd puts/s, same clients | ratio"
        + " | etcd puts/s, same in flight | ratio | errors | wrong answers | CPU busy: machine / sequencer"
        + " | sequencer CPU us/LSN |\n");
    sb.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (SeqPoint p : r.points()) {
      sb.append("| ").append(p.batch())
          .append(" | ").append(p.streams())
          .append(" | ").append(formatRate(p.lsnsPerSec()))
          .append(" | ").append(formatRate(p.requestsPerSec()))
          .append(" | ").append(formatMillis(p.p50Ms()))
          .append(" | ").append(formatMillis(p.p99Ms()))
          .append(" | ").append(formatMillis(p.maxMs()))
          .append(" | ").append(etcdRate(r.etcdAt(p.streams(), 1)))
          .append(" | ").append(formatRatio(ratioSameClients(r, p)))
          .append(" | ").append(etcdRate(r.etcdAt(p.streams(), p.inFlight())))
          .append(" | ").append(formatRatio(ratioSameInFlight(r, p)))
          .append(" | ").append(p.errors() == 0 ? "0" : p.errors() + " " + p.errorsByCode())
          .append(p.lsns() == 0 ? " **no reply in the measured window**" : "")
          .append(" | ").append(p.wrongAnswers() + (p.unseenLsns() > 0 ? " (+" + p.unseenLsns() + " unseen LSNs)" : ""))
          .append(" | ").append(percent(p.machineCpuBusyPercent())).append(" / ").append(percent(p.sequencerCpuPercent()))
          .append(" | ").append(Double.isNaN(p.sequencerCpuMicrosPerLsn()) ? "n/a"
              : String.format(Locale.ROOT, "%.1f", p.sequencerCpuMicrosPerLsn()))
          .append(" |\n");
    }
    sb.append("\n## Answers checked\n\n");
    sb.append(String.format(Locale.ROOT, "%,d LSNs checked (warm-ups included): one answer per transaction with its id"
        + " and shards, contiguous LSNs within a reply, increasing along each stream, each LSN handed out once, no LSN"
        + " skipped, and every shard's previous-LSN chain intact.%n%n", r.lsnsChecked()));
    sb.append("| check | violations |\n| --- | ---: |\n");
    r.violationsByKind().forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    if (!r.violationSamples().isEmpty()) {
      sb.append("\nFirst violations:\n\n");
      r.violationSamples().forEach(s -> sb.append("- ").append(s).append('\n'));
    }
    sb.append("\n## etcd: single-key puts, 3 members\n\n");
    if (r.etcdSkipped() != null) {
      sb.append("Not measured: ").append(r.etcdSkipped()).append("\n");
    } else {
      sb.append("| client | clients | in flight per client | puts/s | p50 ms | p99 ms | errors | CPU busy: machine / etcd |\n");
      sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
      for (EtcdPoint e : r.etcd()) {
        sb.append("| ").append(e.client())
            .append(" | ").append(e.clients())
            .append(" | ").append(e.inFlight())
            .append(" | ").append(formatRate(e.putsPerSec()))
            .append(" | ").append(formatMillis(e.p50Ms()))
            .append(" | ").append(formatMillis(e.p99Ms()))
            .append(" | ").append(e.errors() + (e.duplicateRevisions() > 0 ? " (" + e.duplicateRevisions()
                + " duplicate revisions)" : ""))
            .append(" | ").append(percent(e.machineCpuBusyPercent())).append(" / ").append(percent(e.etcdCpuPercent()))
            .append(" |\n");
      }
    }
    sb.append("\n## Machine\n\n| fact | value |\n| --- | --- |\n");
    r.facts().forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n"));
    return sb.toString();
  }

  public static String json(Report r) {
    BenchReport.Json j = new BenchReport.Json();
    j.beginObject();
    j.field("benchmark", "sequencer");
    j.field("started_at", r.startedAt());
    j.name("notes").beginArray();
    r.notes().forEach(j::value);
    j.endArray();
    j.name("machine").beginObject();
    r.facts().forEach(j::field);
    j.endObject();
    j.name("target").beginObject();
    j.field("description", "with batching (batch > 1), best LSNs/s at least " + (long) TARGET_FACTOR
        + "x etcd's best puts/s in the same run");
    j.field("factor", TARGET_FACTOR);
    Optional<Target> t = target(r);
    j.field("ratio", t.map(Target::ratio).orElse(Double.NaN));
    j.field("met", t.map(x -> x.met() ? "yes" : "no").orElse(null));
    j.name("verdict").beginArray();
    verdict(r).forEach(j::value);
    j.endArray();
    j.endObject();
    j.name("sequencer").beginArray();
    for (SeqPoint p : r.points()) {
      j.beginObject();
      j.field("batch", p.batch());
      j.field("streams", p.streams());
      j.field("in_flight_per_stream", p.inFlight());
      j.field("seconds", p.seconds());
      j.field("requests", p.requests());
      j.field("lsns", p.lsns());
      j.field("lsns_per_s", p.lsnsPerSec());
      j.field("requests_per_s", p.requestsPerSec());
      j.field("p50_ms", p.p50Ms());
      j.field("p99_ms", p.p99Ms());
      j.field("max_ms", p.maxMs());
      j.field("errors", p.errors());
      j.name("errors_by_code").beginObject();
      p.errorsByCode().forEach(j::field);
      j.endObject();
      j.field("wrong_answers", p.wrongAnswers());
      j.field("unseen_lsns", p.unseenLsns());
      j.field("etcd_puts_per_s_same_clients", r.etcdAt(p.streams(), 1).map(EtcdPoint::putsPerSec).orElse(Double.NaN));
      j.field("ratio_same_clients", ratioSameClients(r, p));
      j.field("etcd_puts_per_s_same_in_flight",
          r.etcdAt(p.streams(), p.inFlight()).map(EtcdPoint::putsPerSec).orElse(Double.NaN));
      j.field("ratio_same_in_flight", ratioSameInFlight(r, p));
      j.field("machine_cpu_busy_percent", p.machineCpuBusyPercent());
      j.field("sequencer_cpu_percent", p.sequencerCpuPercent());
      j.field("sequencer_cpu_us_per_lsn", p.sequencerCpuMicrosPerLsn());
      j.endObject();
    }
    j.endArray();
    j.name("checks").beginObject();
    j.field("lsns_checked", r.lsnsChecked());
    r.violationsByKind().forEach(j::field);
    j.name("samples").beginArray();
    r.violationSamples().forEach(j::value);
    j.endArray();
    j.endObject();
    j.name("etcd").beginObject();
    j.field("skipped", r.etcdSkipped());
    j.name("points").beginArray();
    for (EtcdPoint e : r.etcd()) {
      j.beginObject();
      j.field("client", e.client());
      j.field("clients", e.clients());
      j.field("in_flight_per_client", e.inFlight());
      j.field("seconds", e.seconds());
      j.field("puts", e.puts());
      j.field("puts_per_s", e.putsPerSec());
      j.field("p50_ms", e.p50Ms());
      j.field("p99_ms", e.p99Ms());
      j.field("errors", e.errors());
      j.field("duplicate_revisions", e.duplicateRevisions());
      j.field("machine_cpu_busy_percent", e.machineCpuBusyPercent());
      j.field("etcd_cpu_percent", e.etcdCpuPercent());
      j.endObject();
    }
    j.endArray();
    j.endObject();
    j.endObject();
    return j.toString() + "\n";
  }
}
