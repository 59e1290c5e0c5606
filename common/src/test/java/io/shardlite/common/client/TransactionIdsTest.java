package io.shardlite.common.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TransactionIdsTest {
  @Test
  void idsAreVersion7UuidsThatCarryTheirMillisecond() {
    long millis = 1_796_000_123_456L;
    UUID id = TransactionIds.at(millis, new SplittableRandom(1));
    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(millis);
  }

  @Test
  void idsOfLaterMillisecondsSortAfterAsTextWhateverTheirRandomBits() {
    SplittableRandom random = new SplittableRandom(7);
    String previous = TransactionIds.at(1_796_000_000_000L, random).toString();
    for (long ms = 1_796_000_000_001L; ms < 1_796_000_002_000L; ms++) {
      String id = TransactionIds.at(ms, random).toString();
      // The shards' table orders ids as text (SQLite BINARY collation): that order must be time order.
      assertThat(id.compareTo(previous)).as("id of %d after the previous millisecond's", ms).isPositive();
      previous = id;
    }
  }

  @Test
  void idsOfOneMillisecondDiffer() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(TransactionIds.next());
    }
    assertThat(ids).hasSize(100_000);
  }

  @Test
  void nextParsesAsAUuid() {
    String id = TransactionIds.next();
    assertThat(UUID.fromString(id).toString()).isEqualTo(id);
    assertThat(UUID.fromString(id).getMostSignificantBits() >>> 16)
        .isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
  }
}
