package io.shardlite.vmaster;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.TxStatement;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole write path with real processes: 3 sequencer replicas, 3 shard servers, 2 virtual
 * masters. Transactions sent to either virtual master reach the owner's lane, get a global LSN,
 * commit in the shard group and read back; bad input gets typed errors and changes nothing; a
 * virtual master killed with -9 loses its shards to the other and no acknowledged write is lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VirtualMasterIT {
  private static final int SHARDS = 8;
  private static final List<String> JVM = List.of("-Xms128m", "-Xmx512m", "-XX:+UseParallelGC",
      "-XX:ParallelGCThreads=2", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");
  private static LocalSequencerCluster sequencer;
  private static LocalShardCluster shardServers;
  private static LocalVmCluster vms;
  private static ShardliteClient client;

  @BeforeAll
  static void start() throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "it-clusters", "vm-" + System.currentTimeMillis()))
        .toAbsolutePath();
    sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 3, SHARDS, List.of("--tick-ms", "200"), JVM).start();
    shardServers = new LocalShardCluster(dir.resolve("shards"), 3, SHARDS, 3, List.of(), JVM).start();
    vms = new LocalVmCluster(dir.resolve("vms"), 2, sequencer.endpoints(), shardServers.endpoints(), SHARDS,
        List.of("--lease-ms", "2000", "--heartbeat-ms", "400"), JVM).start();
    client = new ShardliteClient(vms.endpoints(), Duration.ofSeconds(30));
    ExecuteReply ddl = client.execute(List.of(
        statement("", "CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v INTEGER NOT NULL)")));
    assertThat(ddl.hasError()).as("DDL: %s", ddl.getError()).isFalse();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {vms, shardServers, sequencer}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the others
      }
    }
  }

  @Test
  @Order(1)
  void writesThroughEitherVirtualMasterReachTheOwnerAndReadBack() {
    List<CompletableFuture<ExecuteReply>> writes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      writes.add(client.executeAsync(tx(statement("a" + i, "INSERT INTO kv VALUES (?, ?)", "a" + i, i))));
    }
    List<Long> lsns = new ArrayList<>();
    for (CompletableFuture<ExecuteReply> w : writes) {
      ExecuteReply r = w.join();
      assertThat(r.hasError()).as("write: %s", r.getError()).isFalse();
      assertThat(r.getResults(0).getRowsAffected()).isEqualTo(1);
      lsns.add(r.getGlobalLsn());
    }
    assertThat(lsns).doesNotHaveDuplicates().allSatisfy(l -> assertThat(l).isPositive());
    for (int i = 0; i < 200; i += 7) {
      ExecuteReply read = client.execute(List.of(statement("a" + i, "SELECT v FROM kv WHERE k = ?", "a" + i)));
      assertThat(read.hasError()).as("read: %s", read.getError()).isFalse();
      assertThat(read.getResults(0).getRows(0).getValues(0).getInteger()).isEqualTo(i);
    }
  }

  @Test
  @Order(2)
  void badTransactionsGetTypedErrorsAndChangeNothing() {
    assertThat(code(client.execute(ExecuteRequest.newBuilder().build()))).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    // A failing statement rolls back the statements before it.
    assertThat(code(client.execute(List.of(statement("b1", "INSERT INTO kv VALUES ('b1', 1)"),
        statement("b1", "INSERT INTO nowhere VALUES (1)"))))).isEqualTo(ErrorCode.SQL_ERROR);
    assertThat(code(client.execute(List.of(statement("b1", "INSERT INTO kv VALUES ('b1', 1)"),
        statement("b1", "INSERT INTO kv VALUES ('b1', 2)"))))).isEqualTo(ErrorCode.CONSTRAINT_VIOLATION);
    assertThat(code(client.execute(List.of(statement("b1", "INSERT INTO kv VALUES ('b1', strftime('%s', 'now', 'localtime'))")))))
        .isEqualTo(ErrorCode.NONDETERMINISTIC);
    assertThat(code(client.execute(List.of(statement("b1", "PRAGMA journal_mode=DELETE"))))).isEqualTo(ErrorCode.FORBIDDEN_STATEMENT);
    assertThat(code(client.execute(List.of(statement("x1", "INSERT INTO kv VALUES ('x1', 1)"),
        statement("x2", "INSERT INTO kv VALUES ('x2', 1)"), statement("x3", "INSERT INTO kv VALUES ('x3', 1)"),
        statement("x4", "INSERT INTO kv VALUES ('x4', 1)"))))).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    assertThat(code(client.execute(tx(statement("b1", "INSERT INTO kv VALUES (?, 1)", "x".repeat(2 << 20))))))
        .isEqualTo(ErrorCode.BATCH_TOO_LARGE);
    assertThat(code(client.execute(ExecuteRequest.newBuilder().setShard(SHARDS).addStatements(
        statement("", "SELECT 1")).build()))).isEqualTo(ErrorCode.UNKNOWN_SHARD);

    ExecuteReply none = client.execute(List.of(statement("b1", "SELECT count(*) FROM kv WHERE k = 'b1'")));
    assertThat(none.getResults(0).getRows(0).getValues(0).getInteger()).isZero();
  }

  @Test
  @Order(3)
  void killingAVirtualMasterMovesItsShardsAndLosesNoAcknowledgedWrite() throws Exception {
    List<CompletableFuture<ExecuteReply>> writes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      writes.add(client.executeAsync(tx(statement("c" + i, "INSERT INTO kv VALUES (?, ?)", "c" + i, i))));
      if (i == 100) {
        writes.get(50).get(60, TimeUnit.SECONDS);
        vms.kill9("vm2");
      }
    }
    List<String> acknowledged = new ArrayList<>();
    List<ExecuteReply> failed = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      ExecuteReply r = writes.get(i).get(90, TimeUnit.SECONDS);
      if (r.hasError()) {
        failed.add(r);
      } else {
        acknowledged.add("c" + i);
      }
    }
    // Retries go to the surviving virtual master, which takes over the shards once the lease ends.
    assertThat(failed).as("failed transactions").isEmpty();
    for (String key : acknowledged) {
      ExecuteReply read = client.execute(List.of(statement(key, "SELECT count(*) FROM kv WHERE k = ?", key)));
      assertThat(read.hasError()).as("read %s: %s", key, read.getError()).isFalse();
      assertThat(read.getResults(0).getRows(0).getValues(0).getInteger()).as("row %s", key).isEqualTo(1);
    }
  }

  private static ExecuteRequest tx(TxStatement... statements) {
    return ExecuteRequest.newBuilder().addAllStatements(List.of(statements)).build();
  }

  private static ErrorCode code(ExecuteReply reply) {
    return reply.hasError() ? reply.getError().getCode() : ErrorCode.ERROR_CODE_UNSPECIFIED;
  }
}
