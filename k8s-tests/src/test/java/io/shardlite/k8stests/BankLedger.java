package io.shardlite.k8stests;

import static io.shardlite.common.client.ShardliteClient.statement;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.Row;
import io.shardlite.proto.TxStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A bank whose every transfer leaves a ledger row in the same transaction: branches are shard keys,
 * a transfer inside a branch is a single-shard transaction, one between branches a multi-shard one.
 * What it checks afterwards: the grand total never changes (read in one consistent multi-shard
 * read); every branch's total is its opening plus what the ledger says moved in and out (no partial
 * transfer); every acknowledged transfer is in the ledger (no acknowledged write lost); nothing is
 * in the ledger that was never sent.
 */
final class BankLedger {
  static final String ACCOUNTS = "e2e_accounts";
  static final String LEDGER = "e2e_transfers";

  private final List<String> branches = new ArrayList<>();
  private final int accountsPerBranch;
  private final long opening;
  private final Set<String> sent = ConcurrentHashMap.newKeySet();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  BankLedger(int branches, int accountsPerBranch, long opening) {
    for (int b = 0; b < branches; b++) {
      this.branches.add("branch-" + b);
    }
    this.accountsPerBranch = accountsPerBranch;
    this.opening = opening;
  }

  long grandTotalExpected() {
    return (long) branches.size() * accountsPerBranch * opening;
  }

  int acknowledgedCount() {
    return acknowledged.size();
  }

  /** One acknowledged transfer's id (for tests that tamper with the ledger). */
  String anyAcknowledged() {
    return acknowledged.iterator().next();
  }

  long failureCount() {
    return failures.get();
  }

  /** Tables (DDL runs on every shard) and every branch's accounts. */
  void create(ShardliteClient client) {
    expectOk(client.execute(List.of(statement("", "CREATE TABLE IF NOT EXISTS " + ACCOUNTS
        + " (branch TEXT NOT NULL, id INTEGER NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0),"
        + " PRIMARY KEY (branch, id))"))), "create " + ACCOUNTS);
    expectOk(client.execute(List.of(statement("", "CREATE TABLE IF NOT EXISTS " + LEDGER
        + " (id TEXT PRIMARY KEY, src TEXT NOT NULL, dst TEXT NOT NULL, amount INTEGER NOT NULL)"))), "create " + LEDGER);
    for (String branch : branches) {
      List<TxStatement> open = new ArrayList<>();
      for (int id = 0; id < accountsPerBranch; id++) {
        open.add(statement(branch, "INSERT OR IGNORE INTO " + ACCOUNTS + " VALUES (?, ?, ?)", branch, id, opening));
      }
      expectOk(client.execute(ExecuteRequest.newBuilder().addAllStatements(open).setIdempotencyKey("open-" + branch)
          .setTimeoutMillis(60_000).build()), "open " + branch);
    }
  }

  /**
   * One transfer of 1..5 between two accounts, across branches with the given probability.
   * Returns whether it was acknowledged.
   */
  boolean transfer(Supplier<ShardliteClient> client, Random random, double crossBranch) {
    String src = branches.get(random.nextInt(branches.size()));
    String dst = random.nextDouble() < crossBranch ? branches.get(random.nextInt(branches.size())) : src;
    int from = random.nextInt(accountsPerBranch);
    int to = src.equals(dst) ? (from + 1 + random.nextInt(accountsPerBranch - 1)) % accountsPerBranch
        : random.nextInt(accountsPerBranch);
    int amount = 1 + random.nextInt(5);
    String id = "t-" + sequence.incrementAndGet() + "-" + Long.toHexString(random.nextLong());
    sent.add(id);
    ExecuteRequest tx = ExecuteRequest.newBuilder()
        .setIdempotencyKey(id)
        .setTimeoutMillis(15_000)
        .addStatements(statement(src, "UPDATE " + ACCOUNTS + " SET balance = balance - ? WHERE branch = ? AND id = ?",
            amount, src, from))
        .addStatements(statement(dst, "UPDATE " + ACCOUNTS + " SET balance = balance + ? WHERE branch = ? AND id = ?",
            amount, dst, to))
        .addStatements(statement(src, "INSERT INTO " + LEDGER + " VALUES (?, ?, ?, ?)", id, src, dst, amount))
        .build();
    ExecuteReply reply;
    try {
      // Bounded: a client closed while a retry waits (port-forwards refreshed) may never answer.
      reply = client.get().executeAsync(tx).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // A closed client or a broken connection: the outcome is unknown.
      failures.incrementAndGet();
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.incrementAndGet();
      return false;
    }
    if (reply.hasError()) {
      failures.incrementAndGet();
      return false;
    }
    // A retry that found an earlier attempt committed answers without results (ExecuteReply.replayed).
    if (!reply.getReplayed() && (reply.getResultsCount() < 2 || reply.getResults(0).getRowsAffected() != 1
        || reply.getResults(1).getRowsAffected() != 1)) {
      throw new AssertionError("transfer " + id + " answered " + reply.getResultsList() + " instead of 1/1 accounts");
    }
    acknowledged.add(id);
    return true;
  }

  /** What the checks found; {@link #problems()} is empty when every invariant holds. */
  record Verdict(long grandTotal, int ledgerRows, List<String> problems) {}

  Verdict check(ShardliteClient client) {
    List<String> problems = new ArrayList<>();
    // Every branch's balance, all in one multi-shard read: one consistent cut.
    List<TxStatement> totals = new ArrayList<>();
    for (String branch : branches) {
      totals.add(statement(branch, "SELECT coalesce(sum(balance), 0) FROM " + ACCOUNTS + " WHERE branch = ?", branch));
    }
    ExecuteReply cut = expectOk(client.execute(ExecuteRequest.newBuilder().addAllStatements(totals)
        .setTimeoutMillis(60_000).build()), "read every branch's total");
    Map<String, Long> branchTotal = new HashMap<>();
    long grand = 0;
    for (int b = 0; b < branches.size(); b++) {
      long t = cut.getResults(b).getRows(0).getValues(0).getInteger();
      branchTotal.put(branches.get(b), t);
      grand += t;
    }
    if (grand != grandTotalExpected()) {
      problems.add("grand total " + grand + " != " + grandTotalExpected());
    }
    // The ledger: each row lives with its source branch.
    Map<String, Long> moved = new HashMap<>();
    Set<String> ledgerIds = new TreeSet<>();
    for (String branch : branches) {
      ExecuteReply rows = expectOk(client.execute(List.of(statement(branch,
          "SELECT id, src, dst, amount FROM " + LEDGER + " WHERE src = ?", branch))), "read the ledger of " + branch);
      for (Row row : rows.getResults(0).getRowsList()) {
        String id = row.getValues(0).getText();
        String src = row.getValues(1).getText();
        String dst = row.getValues(2).getText();
        long amount = row.getValues(3).getInteger();
        if (!ledgerIds.add(id)) {
          problems.add("ledger row " + id + " twice");
        }
        moved.merge(src, -amount, Long::sum);
        moved.merge(dst, amount, Long::sum);
      }
    }
    for (String branch : branches) {
      long expected = accountsPerBranch * opening + moved.getOrDefault(branch, 0L);
      if (branchTotal.get(branch) != expected) {
        problems.add(branch + " holds " + branchTotal.get(branch) + " but its opening and ledger say " + expected);
      }
    }
    Set<String> lost = new TreeSet<>(acknowledged);
    lost.removeAll(ledgerIds);
    if (!lost.isEmpty()) {
      problems.add(lost.size() + " acknowledged transfers missing from the ledger, e.g. " + lost.iterator().next());
    }
    Set<String> phantom = new TreeSet<>(ledgerIds);
    phantom.removeAll(sent);
    if (!phantom.isEmpty()) {
      problems.add(phantom.size() + " ledger rows never sent, e.g. " + phantom.iterator().next());
    }
    return new Verdict(grand, ledgerIds.size(), problems);
  }

  private static ExecuteReply expectOk(ExecuteReply reply, String what) {
    if (reply.hasError()) {
      throw new IllegalStateException(what + " failed: " + reply.getError().getCode() + " " + reply.getError().getMessage());
    }
    return reply;
  }
}
