package io.shardlite.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SequencerReportTest {

  private static SequencerReport.SeqPoint seq(int batch, int streams, long lsns) {
    return new SequencerReport.SeqPoint(batch, streams, 32, 5, lsns / batch, lsns, 1.5, 9.25, 20, 0, Map.of(), 0, 0, 90,
        60, 12.5);
  }

  private static SequencerReport.EtcdPoint etcd(int clients, int inFlight, long puts) {
    return new SequencerReport.EtcdPoint("gRPC", clients, inFlight, 5, puts, 2, 8, 0, 0, 80, 50);
  }

  private static SequencerReport.Report report(List<SequencerReport.SeqPoint> points, List<SequencerReport.EtcdPoint> etcd,
      String skipped, Map<String, Long> violations, List<String> samples) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("cores", "2");
    facts.put("odd", "a|b");
    return new SequencerReport.Report("2026-11-25T01:00:00Z", List.of("Method: test."), facts, points, etcd, skipped,
        12345, violations, samples);
  }

  private static List<SequencerReport.SeqPoint> points() {
    List<SequencerReport.SeqPoint> p = new ArrayList<>();
    p.add(seq(1, 1, 2_500));      // 500 LSNs/s
    p.add(seq(1, 4, 10_000));     // 2,000
    p.add(seq(16, 1, 100_000));   // 20,000
    p.add(seq(16, 4, 200_000));   // 40,000
    p.add(seq(256, 4, 500_000));  // 100,000
    return p;
  }

  @Test
  void targetIsBestBatchedAgainstEtcdsBestOverEveryClientAndConcurrency() {
    // etcd's best is 4 clients x 32 in flight: 2,000 puts/s. 100,000 / 2,000 = 50x: met.
    SequencerReport.Report r = report(points(), List.of(etcd(1, 1, 2_500), etcd(4, 1, 5_000), etcd(4, 32, 10_000)),
        null, Map.of("LSN handed out twice", 0L), List.of());
    SequencerReport.Target t = SequencerReport.target(r).orElseThrow();
    assertThat(t.bestBatched().batch()).isEqualTo(256);
    assertThat(t.bestEtcd().inFlight()).isEqualTo(32);
    assertThat(t.ratio()).isEqualTo(50.0);
    assertThat(t.met()).isTrue();
    // Batch 1 is not "with batching" even when it is the only point.
    SequencerReport.Report single = report(List.of(seq(1, 1, 1_000_000)), List.of(etcd(1, 1, 5)), null, Map.of(), List.of());
    assertThat(SequencerReport.target(single)).isEmpty();
  }

  @Test
  void notMetBelowTwentyTimes() {
    SequencerReport.Report r = report(points(), List.of(etcd(1, 1, 30_000)), null, Map.of(), List.of());
    SequencerReport.Target t = SequencerReport.target(r).orElseThrow();
    assertThat(t.ratio()).isEqualTo(100_000 / 6_000.0);
    assertThat(t.met()).isFalse();
    assertThat(SequencerReport.verdict(r).get(0)).contains("NOT MET");
  }

  @Test
  void ratiosUseEtcdAtTheSameClientsAndInFlight() {
    SequencerReport.Report r = report(points(), List.of(etcd(1, 1, 2_500), etcd(4, 1, 5_000), etcd(4, 32, 10_000)),
        null, Map.of(), List.of());
    SequencerReport.SeqPoint p = r.points().get(3); // batch 16, 4 streams: 40,000 LSNs/s
    assertThat(SequencerReport.ratioSameClients(r, p)).isEqualTo(40.0);      // vs 1,000 puts/s
    assertThat(SequencerReport.ratioSameInFlight(r, p)).isEqualTo(20.0);     // vs 2,000 puts/s
    assertThat(SequencerReport.ratioSameInFlight(r, r.points().get(0))).isNaN(); // 1 x 32 not measured
  }

  @Test
  void markdownHasEveryPointTheVerdictAndTheChecks() {
    SequencerReport.Report r = report(points(), List.of(etcd(1, 1, 2_500), etcd(4, 1, 5_000), etcd(4, 32, 10_000)),
        null, Map.of("LSN handed out twice", 0L), List.of());
    String md = SequencerReport.markdown(r);
    assertThat(md).startsWith("# shardlite bench sequencer (2026-11-25T01:00:00Z)\n");
    assertThat(md).contains("Method: test.");
    assertThat(md).contains("target 20x is MET");
    assertThat(md).contains("| 16 | 4 | 40,000 | 2,500 | 1.50 | 9.25 | 20.00 | 1,000 | 40x | 2,000 | 20x | 0 | 0 | 90% / 60% | 12.5 |");
    assertThat(md).contains("| 1 | 1 | 500 | 500 | 1.50 | 9.25 | 20.00 | 500 | 1x | - | n/a |");
    assertThat(md).contains("Batch 1: best 2,000 LSNs/s = 1x etcd's best");
    assertThat(md).contains("| LSN handed out twice | 0 |");
    assertThat(md).contains("12,345 LSNs checked");
    assertThat(md).contains("| gRPC | 4 | 32 | 2,000 | 2.00 | 8.00 | 0 | 80% / 50% |");
    assertThat(md).contains("| odd | a\\|b |");
    assertThat(md).contains("all right");
    assertThat(md.split("\n")).filteredOn(l -> l.startsWith("| ") && l.matches("\\| \\d+ \\| \\d+ \\| .*")).hasSize(5);
  }

  @Test
  void problemsAndASkippedEtcdAreShownLoudly() {
    List<SequencerReport.SeqPoint> p = new ArrayList<>(points());
    p.add(new SequencerReport.SeqPoint(16, 8, 32, 5, 10, 160, 1, 2, 3, 4, Map.of("TIMEOUT", 4L), 1, 7, Double.NaN,
        Double.NaN, Double.NaN));
    SequencerReport.Report r = report(p, List.of(), "etcd is not installed", Map.of("LSN handed out twice", 1L),
        List.of("LSN 5 handed out twice (again to b)"));
    assertThat(r.anyWrong()).isTrue();
    String md = SequencerReport.markdown(r);
    assertThat(md).contains("**PROBLEMS SEEN");
    assertThat(md).contains("- LSN 5 handed out twice (again to b)");
    assertThat(md).contains("Not measured: etcd is not installed");
    assertThat(md).contains("etcd was not measured (etcd is not installed): no ratio, target not evaluated.");
    assertThat(md).contains("| 4 {TIMEOUT=4} | 1 (+7 unseen LSNs) | n/a / n/a | n/a |");
    String json = SequencerReport.json(r);
    assertThat(json).contains("\"skipped\": \"etcd is not installed\"");
    assertThat(json).contains("\"met\": null");
    assertThat(json).contains("\"sequencer_cpu_percent\": null");
  }

  @Test
  void aPointWithoutAnyReplyInItsWindowIsAProblem() {
    List<SequencerReport.SeqPoint> p = new ArrayList<>(points());
    p.add(new SequencerReport.SeqPoint(256, 8, 32, 5, 0, 0, 0, 0, 0, 0, Map.of(), 0, 0, 99, 45, 58));
    SequencerReport.Report r = report(p, List.of(etcd(1, 1, 2_500)), null, Map.of(), List.of());
    assertThat(r.anyWrong()).isTrue();
    assertThat(SequencerReport.markdown(r)).contains("| 0 **no reply in the measured window** | 0 |");
  }

  @Test
  void jsonCarriesRatiosAndTheVerdict() {
    SequencerReport.Report r = report(points(), List.of(etcd(1, 1, 2_500), etcd(4, 1, 5_000), etcd(4, 32, 10_000)),
        null, Map.of("LSN handed out twice", 0L), List.of());
    String json = SequencerReport.json(r);
    assertThat(json).contains("\"benchmark\": \"sequencer\"");
    assertThat(json).contains("\"ratio\": 50.0");
    assertThat(json).contains("\"met\": \"yes\"");
    assertThat(json).contains("\"ratio_same_clients\": 40.0");
    assertThat(json).contains("\"ratio_same_in_flight\": 20.0");
    assertThat(json).contains("\"lsns_checked\": 12345");
    assertThat(json).contains("\"skipped\": null");
    assertThat(json.chars().filter(c -> c == '{').count()).isEqualTo(json.chars().filter(c -> c == '}').count());
  }

  @Test
  void etcdPutRequestAndResponseWireFormat() throws Exception {
    byte[] req = EtcdPeer.putRequest("k1".getBytes(StandardCharsets.UTF_8), "vv".getBytes(StandardCharsets.UTF_8));
    CodedInputStream in = CodedInputStream.newInstance(req);
    assertThat(in.readTag()).isEqualTo(1 << 3 | 2);
    assertThat(in.readBytes().toStringUtf8()).isEqualTo("k1");
    assertThat(in.readTag()).isEqualTo(2 << 3 | 2);
    assertThat(in.readBytes().toStringUtf8()).isEqualTo("vv");
    assertThat(in.isAtEnd()).isTrue();

    // PutResponse { header = ResponseHeader { cluster_id = 9, member_id = 8, revision = 4242, raft_term = 3 } }
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    CodedOutputStream h = CodedOutputStream.newInstance(header);
    h.writeUInt64(1, 9);
    h.writeUInt64(2, 8);
    h.writeInt64(3, 4242);
    h.writeUInt64(4, 3);
    h.flush();
    ByteArrayOutputStream resp = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(resp);
    o.writeBytes(1, ByteString.copyFrom(header.toByteArray()));
    o.flush();
    assertThat(EtcdPeer.revision(resp.toByteArray())).isEqualTo(4242);
    assertThat(EtcdPeer.revision(new byte[0])).isEqualTo(-1);
  }
}
