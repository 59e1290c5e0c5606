package io.shardlite.sequencer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashTrieMapTest {
  /** A key whose hash code the test picks, to force full 32-bit collisions. */
  private record Key(String name, int hash) {
    @Override
    public int hashCode() {
      return hash;
    }
  }

  @Test
  void agreesWithAHashMapOverRandomUpdates() {
    SplittableRandom random = new SplittableRandom(42);
    Map<String, Integer> expected = new HashMap<>();
    HashTrieMap<String, Integer> map = HashTrieMap.empty();
    for (int step = 0; step < 200_000; step++) {
      String key = "tx-" + random.nextInt(5_000);
      if (random.nextInt(3) == 0) {
        expected.remove(key);
        map = map.minus(key);
      } else {
        int value = random.nextInt(100);
        expected.put(key, value);
        map = map.plus(key, value);
      }
      if (step % 10_000 == 0) {
        assertSame(map, expected);
      }
    }
    assertSame(map, expected);
  }

  @Test
  void keysWithEqualHashCodesLiveSideBySide() {
    HashTrieMap<Key, String> map = HashTrieMap.empty();
    List<Key> keys = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      keys.add(new Key("k" + i, 0xCAFE));
      map = map.plus(keys.get(i), "v" + i);
    }
    map = map.plus(new Key("other", 0xCAFF), "o");
    assertThat(map.size()).isEqualTo(6);
    for (int i = 0; i < 5; i++) {
      assertThat(map.get(keys.get(i))).isEqualTo("v" + i);
    }
    assertThat(map.get(new Key("k9", 0xCAFE))).isNull();
    map = map.plus(keys.get(2), "changed");
    assertThat(map.size()).isEqualTo(6);
    assertThat(map.get(keys.get(2))).isEqualTo("changed");
    for (Key k : keys) {
      map = map.minus(k);
    }
    assertThat(map.size()).isEqualTo(1);
    assertThat(map.get(new Key("other", 0xCAFF))).isEqualTo("o");
    assertThat(map.minus(new Key("other", 0xCAFF)).isEmpty()).isTrue();
  }

  @Test
  void updatesLeaveEarlierVersionsAsTheyWere() {
    HashTrieMap<String, Integer> before = HashTrieMap.<String, Integer>empty().plus("a", 1).plus("b", 2);
    HashTrieMap<String, Integer> after = before.plus("a", 10).minus("b").plus("c", 3);
    assertThat(before.get("a")).isEqualTo(1);
    assertThat(before.get("b")).isEqualTo(2);
    assertThat(before.containsKey("c")).isFalse();
    assertThat(after.get("a")).isEqualTo(10);
    assertThat(after.containsKey("b")).isFalse();
    assertThat(after.size()).isEqualTo(2);
  }

  @Test
  void noOpUpdatesReturnTheSameMap() {
    Integer one = 1;
    HashTrieMap<String, Integer> map = HashTrieMap.<String, Integer>empty().plus("a", one);
    assertThat(map.plus("a", one)).isSameAs(map);
    assertThat(map.minus("missing")).isSameAs(map);
  }

  @Test
  void equalityIsAMapsWhateverTheOrderOfUpdates() {
    HashTrieMap<String, Integer> a = HashTrieMap.empty();
    HashTrieMap<String, Integer> b = HashTrieMap.empty();
    for (int i = 0; i < 1_000; i++) {
      a = a.plus("k" + i, i);
      b = b.plus("k" + (999 - i), 999 - i);
    }
    b = b.plus("extra", 0).minus("extra");
    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a).isNotEqualTo(b.plus("k1", 2));
  }

  @Test
  void nullKeysAndValuesAreRefused() {
    assertThatThrownBy(() -> HashTrieMap.empty().plus(null, "v")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> HashTrieMap.empty().plus("k", null)).isInstanceOf(NullPointerException.class);
  }

  private static void assertSame(HashTrieMap<String, Integer> map, Map<String, Integer> expected) {
    assertThat(map.size()).isEqualTo(expected.size());
    Map<String, Integer> seen = new HashMap<>();
    map.forEach(seen::put);
    assertThat(seen).isEqualTo(expected);
    expected.forEach((k, v) -> assertThat(map.get(k)).isEqualTo(v));
  }
}
