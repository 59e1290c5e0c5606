package io.shardlite.shard;

import static io.shardlite.shard.ClusterProbe.batch;
import static io.shardlite.shard.ClusterProbe.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ShardResult;
import io.shardlite.shard.launch.LocalShardCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A shard without a majority refuses to serve instead of serving stale or unreplicated data, says
 * so with retryable errors, and serves again, with nothing lost, once a majority is back.
 */
class ShardQuorumLossIT {
  private static final Duration BUDGET = Duration.ofSeconds(60);

  @Test
  void withoutAMajorityTheShardRefusesWithRetryableErrorsAndRecoversWithNothingLost() throws Exception {
    try (LocalShardCluster cluster = new LocalShardCluster(ClusterProbe.clusterDir("quorum"), 3, 1, 3,
        List.of("--request-timeout-ms", "3000"), LocalShardCluster.defaultJvmOptions()).start()) {
      ClusterProbe probe = new ClusterProbe(cluster);
      assertThat(probe.writeRetrying(0, batch("q-schema", sql("CREATE TABLE q(k INTEGER PRIMARY KEY)"),
          sql("INSERT INTO q VALUES (1)")), BUDGET).hasError()).isFalse();
      probe.awaitShardConverged(0, BUDGET);

      cluster.kill9("s2");
      cluster.kill9("s3");
      ShardNodeClient survivor = cluster.node("s1").client();

      // Once the survivor notices it lost its peers, bounded-staleness reads are refused...
      await().atMost(BUDGET).untilAsserted(() -> {
        ShardResult stale = survivor.read(0, Consistency.FOLLOWER, 500, List.of(Statements.of("SELECT count(*) FROM q")));
        assertThat(stale.getError().getCode()).isEqualTo(ErrorCode.LAG_TOO_HIGH);
        assertThat(stale.getError().getRetryable()).isTrue();
      });
      // ...and so are linearizable reads once the leader's lease (90% of the minimum election
      // timeout since it last heard from a majority) has run out, and writes, retryably: nothing
      // can commit without a majority.
      await().atMost(BUDGET).untilAsserted(() -> {
        ShardResult read = survivor.read(0, Consistency.LINEARIZABLE, 0, List.of(Statements.of("SELECT count(*) FROM q")));
        assertThat(read.hasError()).isTrue();
        assertThat(read.getError().getRetryable()).isTrue();
      });
      ShardResult write = survivor.write(0, batch("q-2", sql("INSERT INTO q VALUES (2)")));
      assertThat(write.hasError()).isTrue();
      assertThat(write.getError().getCode()).isIn(ErrorCode.TIMEOUT, ErrorCode.UNAVAILABLE);
      assertThat(write.getError().getRetryable()).isTrue();

      cluster.restart("s2");
      // The retried write (same tx id) is applied exactly once, whether or not the first attempt
      // reached the log before the majority came back.
      assertThat(probe.writeRetrying(0, batch("q-2", sql("INSERT INTO q VALUES (2)")), BUDGET).hasError()).isFalse();
      cluster.restart("s3");
      probe.awaitShardConverged(0, BUDGET);
      for (String id : List.of("s1", "s2", "s3")) {
        await().atMost(BUDGET).untilAsserted(() -> {
          ShardResult rows = cluster.node(id).client().read(0, Consistency.FOLLOWER, 10_000,
              List.of(Statements.of("SELECT group_concat(k) FROM (SELECT k FROM q ORDER BY k)")));
          assertThat(rows.hasError()).as("read on %s: %s", id, rows.getError()).isFalse();
          assertThat(rows.getResults(0).getRows(0).getValues(0).getText()).as("rows on %s", id).isEqualTo("1,2");
        });
      }
    }
  }
}
