package io.shardlite.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardlite.common.routing.ShardKeys;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BankLayoutTest {

  @Test
  void everyShardHoldsTheSameNumberOfBranches() {
    BankLayout layout = new BankLayout(16, 4, 8, 1_000);
    assertThat(layout.branches()).hasSize(64).doesNotHaveDuplicates().allMatch(b -> b.startsWith("branch-"));
    Map<Integer, Long> perShard = layout.branches().stream()
        .collect(Collectors.groupingBy(b -> ShardKeys.shardOf(b, 16), Collectors.counting()));
    assertThat(perShard).hasSize(16);
    assertThat(perShard.values()).containsOnly(4L);
    assertThat(layout.accounts()).isEqualTo(512);
    assertThat(layout.branchTotal()).isEqualTo(8_000);
    assertThat(layout.grandTotal()).isEqualTo(512_000);
  }

  @Test
  void branchPerShardNamesOneBranchOnEachShardInShardOrder() {
    BankLayout layout = new BankLayout(7, 2, 3, 10);
    List<String> one = layout.branchPerShard();
    assertThat(one).hasSize(7);
    for (int shard = 0; shard < 7; shard++) {
      assertThat(layout.shardOf(one.get(shard))).isEqualTo(shard);
      assertThat(layout.branches()).contains(one.get(shard));
    }
  }

  @Test
  void theLayoutIsStable() {
    assertThat(new BankLayout(16, 4, 8, 1_000).branches()).isEqualTo(new BankLayout(16, 4, 8, 1_000).branches());
    assertThat(new BankLayout(1, 3, 2, 1).branches()).containsExactly("branch-0", "branch-1", "branch-2");
  }

  @Test
  void sameBranchTransfersMoveBetweenTwoDifferentAccountsOfOneBranch() {
    BankLayout layout = new BankLayout(16, 4, 8, 1_000);
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      BankLayout.Transfer t = layout.nextTransfer(random, 0, 300);
      assertThat(t.crossBranch()).isFalse();
      assertThat(t.fromBranch()).isEqualTo(t.toBranch());
      assertThat(t.fromId()).isNotEqualTo(t.toId()).isBetween(0, 7);
      assertThat(t.toId()).isBetween(0, 7);
      assertThat(t.amount()).isBetween(1L, 300L);
    }
  }

  @Test
  void crossBranchTransfersGoToAnotherShardInAboutTheAskedShare() {
    BankLayout layout = new BankLayout(16, 4, 8, 1_000);
    SplittableRandom random = new SplittableRandom(5);
    int cross = 0;
    var touched = new HashSet<String>();
    for (int i = 0; i < 10_000; i++) {
      BankLayout.Transfer t = layout.nextTransfer(random, 0.25, 300);
      touched.add(t.fromBranch());
      if (t.crossBranch()) {
        cross++;
        assertThat(layout.shardOf(t.fromBranch())).isNotEqualTo(layout.shardOf(t.toBranch()));
      }
    }
    assertThat(cross).isBetween(2_200, 2_800);
    assertThat(touched).hasSize(64);
  }

  @Test
  void oneShardHasNoCrossBranchTransfers() {
    BankLayout layout = new BankLayout(1, 4, 2, 5);
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 100; i++) {
      assertThat(layout.nextTransfer(random, 1.0, 5).crossBranch()).isFalse();
    }
  }

  @Test
  void refusesLayoutsWhereNoTransferIsPossible() {
    assertThatThrownBy(() -> new BankLayout(0, 4, 8, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BankLayout(16, 0, 8, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BankLayout(16, 4, 1, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTransferIsOneTransactionDebitThenCreditKeyedByTheBranches() {
    var t = new BankLayout.Transfer("branch-3", 1, "branch-9", 4, 250);
    var tx = BankDemo.transfer(t);
    assertThat(tx.getStatementsCount()).isEqualTo(2);
    assertThat(tx.getStatements(0).getShardKey()).isEqualTo("branch-3");
    assertThat(tx.getStatements(0).getSql()).contains("balance - ?");
    assertThat(tx.getStatements(0).getParamsList().stream().map(v -> v.hasInteger() ? (Object) v.getInteger() : v.getText()))
        .containsExactly(250L, "branch-3", 1L);
    assertThat(tx.getStatements(1).getShardKey()).isEqualTo("branch-9");
    assertThat(tx.getStatements(1).getSql()).contains("balance + ?");
    assertThat(tx.getStatements(1).getParamsList().stream().map(v -> v.hasInteger() ? (Object) v.getInteger() : v.getText()))
        .containsExactly(250L, "branch-9", 4L);
    assertThat(BankLayout.CREATE).startsWith("CREATE TABLE IF NOT EXISTS").contains("CHECK (balance >= 0)");
  }
}
