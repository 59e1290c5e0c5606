package io.shardlite.k8stests;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The end-to-end test's workload and checks ({@link BankLedger}, {@link BankWorkload}) against a
 * real local cluster (child processes on loopback: 1 sequencer replica, 3 shard servers, 2 virtual
 * masters, 4 shards), so they are known to pass on a correct cluster, across a kill -9 of a virtual
 * master, and to fail when money or acknowledged transfers go missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankLedgerIT {
  private static final int SHARDS = 4;
  private static final List<String> JVM = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");
  private static LocalSequencerCluster sequencer;
  private static LocalShardCluster shardServers;
  private static LocalVmCluster vms;
  private static ShardliteClient client;
  private static final BankLedger BANK = new BankLedger(8, 4, 1_000);

  @BeforeAll
  static void start() throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "it-clusters", "bank-" + System.currentTimeMillis()))
        .toAbsolutePath();
    sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 1, SHARDS, List.of("--tick-ms", "200"), JVM).start();
    shardServers = new LocalShardCluster(dir.resolve("shards"), 3, SHARDS, 3, List.of(), JVM).start();
    vms = new LocalVmCluster(dir.resolve("vms"), 2, sequencer.endpoints(), shardServers.endpoints(), SHARDS,
        List.of("--lease-ms", "2000", "--heartbeat-ms", "400", "--drain-timeout-ms", "1000"), JVM).start();
    client = new ShardliteClient(vms.endpoints(), Duration.ofSeconds(20));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {client, vms, shardServers, sequencer}) {
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
  void theInvariantsHoldUnderLoadAndAVirtualMasterKill() throws Exception {
    BANK.create(client);
    assertThat(BANK.check(client).problems()).isEmpty();
    try (BankWorkload workload = new BankWorkload(BANK, () -> client, 3, 0.3, 7)) {
      await().atMost(Duration.ofMinutes(2)).until(() -> BANK.acknowledgedCount() >= 50);
      vms.kill9(vms.vms().get(0).id());
      int before = BANK.acknowledgedCount();
      await().atMost(Duration.ofMinutes(2)).until(() -> BANK.acknowledgedCount() >= before + 50);
    }
    BankLedger.Verdict verdict = checked();
    assertThat(verdict.problems()).isEmpty();
    assertThat(verdict.grandTotal()).isEqualTo(BANK.grandTotalExpected());
    assertThat(verdict.ledgerRows()).isGreaterThanOrEqualTo(BANK.acknowledgedCount());
  }

  @Test
  @Order(2)
  void moneyOutsideTheLedgerAndALostAcknowledgedTransferAreFound() {
    ExecuteReply minted = client.execute(List.of(statement("branch-0",
        "UPDATE " + BankLedger.ACCOUNTS + " SET balance = balance + 7 WHERE branch = ? AND id = 0", "branch-0")));
    assertThat(minted.hasError()).as("%s", minted.getError()).isFalse();
    String lost = BANK.anyAcknowledged();
    ExecuteReply erased = client.execute(List.of(statement(srcOf(lost),
        "DELETE FROM " + BankLedger.LEDGER + " WHERE id = ?", lost)));
    assertThat(erased.hasError()).as("%s", erased.getError()).isFalse();
    assertThat(erased.getResults(0).getRowsAffected()).isEqualTo(1);
    assertThat(checked().problems())
        .anyMatch(p -> p.startsWith("grand total"))
        .anyMatch(p -> p.startsWith("branch-0 holds"))
        .anyMatch(p -> p.contains("acknowledged transfers missing from the ledger"));
  }

  /** The source branch of a ledger row, found by asking every branch (the row lives with it). */
  private static String srcOf(String id) {
    for (int b = 0; b < 8; b++) {
      String branch = "branch-" + b;
      ExecuteReply r = client.execute(List.of(statement(branch,
          "SELECT count(*) FROM " + BankLedger.LEDGER + " WHERE id = ? AND src = ?", id, branch)));
      if (!r.hasError() && r.getResults(0).getRows(0).getValues(0).getInteger() == 1) {
        return branch;
      }
    }
    throw new AssertionError("transfer " + id + " is in no branch's ledger");
  }

  /** Right after a kill, reads may need retries until the shards have their new owner. */
  private static BankLedger.Verdict checked() {
    AtomicReference<BankLedger.Verdict> verdict = new AtomicReference<>();
    await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> {
      verdict.set(BANK.check(client));
      return true;
    });
    return verdict.get();
  }
}
