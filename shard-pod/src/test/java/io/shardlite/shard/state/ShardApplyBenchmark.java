package io.shardlite.shard.state;

import static io.shardlite.shard.state.ShardEntries.itemResolve;
import static io.shardlite.shard.state.ShardEntries.itemSpeculative;
import static io.shardlite.shard.state.ShardEntries.write;

import com.google.protobuf.ByteString;
import io.shardlite.common.client.TransactionIds;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.GroupItem;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One replica's apply path without Raft: how many transfer transactions per second one shard
 * file applies, in write groups of {@code batch} transactions (the shard servers' CPU per entry
 * that the cluster bench cannot isolate). Run with {@code bin/jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ShardApplyBenchmark {
  private static final int ACCOUNTS = 2_000;
  /** Transactions per entry. */
  @Param({"1", "16"})
  public int batch;

  /** Entries per speculative tail: every so many entries one places no part, so the tail commits. */
  @Param({"8"})
  public int drainEvery;

  /**
   * Unresolved parts a speculative tail holds at most: each entry commits its oldest part once
   * this many are open (1: the previous entry's part, as a lightly loaded lane; under load the
   * cluster's lanes stack up to {@code --speculative-parts}, 64 by default).
   */
  @Param({"1"})
  public int stack;

  /** Speculative parts each entry places on top (the cluster at 10% multi-shard places a few). */
  @Param({"1"})
  public int partsPerEntry;

  /**
   * How transactions are named: {@code time-ordered} (what clients generate,
   * {@link TransactionIds}) or {@code random} (UUIDv4, what they generated before: 2.2-2.5x fewer
   * transfers per second, each id dirtying a leaf of its own in the shard's table of applied ids).
   */
  @Param({"time-ordered"})
  public String ids;

  private Path dir;
  private ShardDatabase db;
  private long index;
  private long lsn;
  private final java.util.ArrayDeque<String> openParts = new java.util.ArrayDeque<>();

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("shard-apply-bench");
    db = ShardDatabase.open(dir.resolve("s.db"));
    db.apply(1, ++index, write("schema", 0, 0, "CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)"));
    db.apply(1, ++index, write("load", 0, 0, "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n"
        + " WHERE v < " + ACCOUNTS + ") INSERT INTO accounts SELECT v, 1000 FROM n"));
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    db.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A write group of single-shard transfers: two updates each. */
  @Benchmark
  public ByteString transfers() {
    WriteGroup.Builder group = WriteGroup.newBuilder();
    for (int i = 0; i < batch; i++) {
      group.addBatches(transfer());
    }
    return db.applyEntry(1, ++index, ShardEntry.newBuilder().setGroup(group).build().toByteString());
  }

  /**
   * A speculative lane's entry: the oldest open parts committed first (bottom up, once
   * {@link #stack} are open), then the transfers, then {@link #partsPerEntry} new speculative parts
   * on top (parts stay open across entries, as under load). Every {@link #drainEvery}th entry
   * commits every open part and places none, so the tail commits, as a lane's stack drains.
   */
  @Benchmark
  public ByteString transfersWithSpeculativeParts() {
    List<GroupItem> items = new ArrayList<>(batch + stack + partsPerEntry);
    boolean drain = index % drainEvery == 0;
    while (!openParts.isEmpty() && (drain || openParts.size() + partsPerEntry > stack)) {
      items.add(itemResolve(openParts.poll(), true, 0));
    }
    for (int i = 0; i < batch; i++) {
      items.add(GroupItem.newBuilder().setBatch(transfer()).build());
    }
    if (!drain) {
      for (int i = 0; i < partsPerEntry; i++) {
        String part = txId();
        long id = 1 + lsn % ACCOUNTS;
        items.add(itemSpeculative(part, 0, ++lsn, "UPDATE accounts SET balance = balance - 1 WHERE id = " + id));
        openParts.add(part);
      }
    }
    return db.applyEntry(1, ++index, ShardEntry.newBuilder().setGroup(WriteGroup.newBuilder().addAllItems(items))
        .build().toByteString());
  }

  private WriteBatch transfer() {
    long from = 1 + (lsn * 7) % ACCOUNTS;
    long to = 1 + (lsn * 13 + 1) % ACCOUNTS;
    return WriteBatch.newBuilder().setTxId(txId()).setGlobalLsn(++lsn).setTimestampMillis(1_700_000_000_000L)
        .setRandomSeed(lsn)
        .addStatements(Statements.of("UPDATE accounts SET balance = balance - ? WHERE id = ?", 5, from))
        .addStatements(Statements.of("UPDATE accounts SET balance = balance + ? WHERE id = ?", 5, to)).build();
  }

  private String txId() {
    return switch (ids) {
      case "time-ordered" -> TransactionIds.next();
      case "random" -> UUID.randomUUID().toString();
      default -> throw new IllegalArgumentException("ids must be time-ordered or random, not " + ids);
    };
  }
}
