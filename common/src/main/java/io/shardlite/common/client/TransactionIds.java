package io.shardlite.common.client;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * New transaction ids (idempotency keys) when the caller gives none: time-ordered UUIDs in the
 * layout of RFC 9562's version 7 (48 bits of Unix milliseconds, then 74 random bits).
 *
 * <p>Why time-ordered: every shard remembers each applied transaction's id in a SQLite table
 * whose primary key is the id. Random ids land on random leaves of that B-tree, so each
 * transaction dirties a page of its own, which the write-ahead log then carries (and a growing
 * table stops fitting the page cache); ids that rise with time all land on the tree's last few
 * leaves. {@code ShardApplyBenchmark} measured a replica applying 2.2-2.5x more transfers per
 * second with these ids than with random ones. Keys that callers choose keep working, they only
 * cost more when they are random.
 */
public final class TransactionIds {
  private static final long VERSION_7 = 0x7000L;
  private static final long VARIANT_RFC = 0x8000_0000_0000_0000L;

  private TransactionIds() {}

  /** A new id, e.g. {@code 019a7c2e-4f1b-7d3a-9c41-6be0f3a2d815}; ids of later milliseconds sort after. */
  public static String next() {
    return at(System.currentTimeMillis(), ThreadLocalRandom.current()).toString();
  }

  /** The id for the given time and randomness (pure, for tests). */
  static UUID at(long unixMillis, RandomGenerator random) {
    long high = (unixMillis & 0xFFFF_FFFF_FFFFL) << 16 | VERSION_7 | (random.nextInt() & 0xFFFL);
    long low = VARIANT_RFC | (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL);
    return new UUID(high, low);
  }
}
