package io.shardlite.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClusterBenchTest {

  @Test
  void zipfianKeysStayInRangeAndFavourTheFirstRanks() {
    ClusterBench.Zipf zipf = new ClusterBench.Zipf(10_000, 0.99);
    SplittableRandom random = new SplittableRandom(1);
    int[] counts = new int[10_000];
    for (int i = 0; i < 200_000; i++) {
      int k = zipf.next(random);
      assertThat(k).isBetween(0, 9_999);
      counts[k]++;
    }
    // Rank 0 draws about 1/zeta(n) of all keys (about 10% for theta 0.99), far above uniform (0.01%).
    assertThat(counts[0]).isGreaterThan(10_000);
    assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(counts[100]);
    int top100 = 0;
    for (int i = 0; i < 100; i++) {
      top100 += counts[i];
    }
    assertThat(top100).isGreaterThan(200_000 / 3);
  }
}
