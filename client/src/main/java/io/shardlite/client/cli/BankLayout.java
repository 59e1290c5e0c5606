package io.shardlite.client.cli;

import io.shardlite.common.routing.ShardKeys;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where the demo bank keeps its money, as pure data: accounts grouped into branches, the branch
 * name ({@code branch-7}) is the shard key, and every shard holds the same number of branches, so
 * the load spreads over all shards. A transfer inside one branch is a single-shard transaction; a
 * transfer between branches on different shards is a multi-shard one.
 */
final class BankLayout {
  /** The demo's table; its own name so a data dir reused from other experiments cannot clash. */
  static final String TABLE = "demo_accounts";

  static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + "(branch TEXT NOT NULL, id INTEGER NOT NULL,"
      + " balance INTEGER NOT NULL CHECK (balance >= 0), PRIMARY KEY (branch, id))";

  private final int shards;
  private final int accountsPerBranch;
  private final long opening;
  private final List<String> branches;
  private final List<String> branchPerShard;

  /**
   * @param shards shards of the cluster
   * @param branchesPerShard branches placed on each shard (at least 1)
   * @param accountsPerBranch accounts of each branch (at least 2, so a branch can transfer)
   * @param opening opening balance of every account
   */
  BankLayout(int shards, int branchesPerShard, int accountsPerBranch, long opening) {
    if (shards < 1 || branchesPerShard < 1 || accountsPerBranch < 2 || opening < 0) {
      throw new IllegalArgumentException("need shards >= 1, branchesPerShard >= 1, accountsPerBranch >= 2, opening >= 0");
    }
    this.shards = shards;
    this.accountsPerBranch = accountsPerBranch;
    this.opening = opening;
    // Walk branch-0, branch-1, ... and keep a name while its shard still has room: the first
    // branchesPerShard names that hash to each shard (stable, since the hash is).
    int[] placed = new int[shards];
    List<String> all = new ArrayList<>();
    String[] first = new String[shards];
    for (int i = 0; all.size() < shards * branchesPerShard; i++) {
      String name = "branch-" + i;
      int shard = ShardKeys.shardOf(name, shards);
      if (placed[shard] < branchesPerShard) {
        placed[shard]++;
        all.add(name);
        if (first[shard] == null) {
          first[shard] = name;
        }
      }
    }
    this.branches = Collections.unmodifiableList(all);
    this.branchPerShard = List.of(first);
  }

  int shards() {
    return shards;
  }

  List<String> branches() {
    return branches;
  }

  int accountsPerBranch() {
    return accountsPerBranch;
  }

  long opening() {
    return opening;
  }

  int accounts() {
    return branches.size() * accountsPerBranch;
  }

  /** What every branch holds as long as money only moves inside branches. */
  long branchTotal() {
    return accountsPerBranch * opening;
  }

  long grandTotal() {
    return accounts() * opening;
  }

  int shardOf(String branch) {
    return ShardKeys.shardOf(branch, shards);
  }

  /** One branch on each shard, index = shard: one statement keyed by each reads every shard. */
  List<String> branchPerShard() {
    return branchPerShard;
  }

  /** One transfer: {@code amount} from account {@code fromId} of one branch to {@code toId} of another (or the same). */
  record Transfer(String fromBranch, int fromId, String toBranch, int toId, long amount) {
    boolean crossBranch() {
      return !fromBranch.equals(toBranch);
    }
  }

  /**
   * A random transfer between two different accounts; with probability {@code crossBranch} the
   * second account is in another branch on another shard, otherwise in the same branch.
   */
  Transfer nextTransfer(SplittableRandom random, double crossBranch, long maxAmount) {
    String from = branches.get(random.nextInt(branches.size()));
    int fromId = random.nextInt(accountsPerBranch);
    long amount = 1 + random.nextLong(maxAmount);
    if (shards > 1 && random.nextDouble() < crossBranch) {
      String to;
      do {
        to = branches.get(random.nextInt(branches.size()));
      } while (shardOf(to) == shardOf(from));
      return new Transfer(from, fromId, to, random.nextInt(accountsPerBranch), amount);
    }
    int toId = (fromId + 1 + random.nextInt(accountsPerBranch - 1)) % accountsPerBranch;
    return new Transfer(from, fromId, from, toId, amount);
  }
}
