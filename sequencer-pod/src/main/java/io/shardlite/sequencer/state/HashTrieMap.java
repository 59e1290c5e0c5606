package io.shardlite.sequencer.state;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A persistent (immutable) hash map: a hash array mapped trie, 32 children per node, so a look-up
 * follows at most 7 references (about 4 for a hundred thousand keys) and an update copies that
 * many small arrays.
 *
 * <p>Why not pcollections' {@code HashTreePMap}: it is a balanced binary tree by hash code, about
 * 17 levels deep at the decision window's hundred thousand transactions, and its look-ups and
 * rebalancing were about a quarter of the sequencer's apply thread (async-profiler, 16 shards, 10%
 * multi-shard). Equality is a map's: same keys, equal values, whatever the order of updates.
 */
public final class HashTrieMap<K, V> {
  private static final int BITS = 5;
  private static final int MASK = (1 << BITS) - 1;
  private static final HashTrieMap<?, ?> EMPTY = new HashTrieMap<>(BitmapNode.EMPTY, 0);

  private final Node root;
  private final int size;

  private HashTrieMap(Node root, int size) {
    this.root = root;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  public static <K, V> HashTrieMap<K, V> empty() {
    return (HashTrieMap<K, V>) EMPTY;
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The value of {@code key}, or null. */
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    Entry e = root.find(key, hash(key), 0);
    return e == null ? null : (V) e.value;
  }

  public boolean containsKey(Object key) {
    return root.find(key, hash(key), 0) != null;
  }

  /** This map with {@code key} mapped to {@code value} (this map itself if it already was). */
  public HashTrieMap<K, V> plus(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Change change = new Change();
    Node next = root.plus(new Entry(key, value, hash(key)), 0, change);
    return next == root ? this : new HashTrieMap<>(next, change.added ? size + 1 : size);
  }

  /** This map without {@code key} (this map itself if it had none). */
  public HashTrieMap<K, V> minus(Object key) {
    Node next = root.minus(key, hash(key), 0);
    if (next == root) {
      return this;
    }
    return size == 1 ? empty() : new HashTrieMap<>(next, size - 1);
  }

  /** Calls {@code action} for every mapping, in no particular order. */
  @SuppressWarnings("unchecked")
  public void forEach(BiConsumer<? super K, ? super V> action) {
    root.forEach((k, v) -> action.accept((K) k, (V) v));
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof HashTrieMap<?, ?> other) || other.size != size) {
      return false;
    }
    boolean[] same = {true};
    root.forEach((k, v) -> {
      if (same[0] && !v.equals(other.get(k))) {
        same[0] = false;
      }
    });
    return same[0];
  }

  @Override
  public int hashCode() {
    int[] h = {0};
    root.forEach((k, v) -> h[0] += k.hashCode() ^ v.hashCode()); // java.util.Map's, so order-free
    return h[0];
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{");
    root.forEach((k, v) -> s.append(s.length() > 1 ? ", " : "").append(k).append('=').append(v));
    return s.append('}').toString();
  }

  private static int hash(Object key) {
    int h = key.hashCode();
    return h ^ (h >>> 16);
  }

  /** Whether a {@link Node#plus} added a key (rather than replaced a value). */
  private static final class Change {
    boolean added;
  }

  private record Entry(Object key, Object value, int hash) {
    boolean matches(Object k, int h) {
      return hash == h && key.equals(k);
    }
  }

  private interface Node {
    Entry find(Object key, int hash, int shift);

    Node plus(Entry entry, int shift, Change change);

    /** This node without {@code key}: itself if absent, null if nothing would be left. */
    Node minus(Object key, int hash, int shift);

    /** The node's only entry when it holds exactly one and no sub-node, else null. */
    Entry single();

    void forEach(BiConsumer<Object, Object> action);
  }

  /** Up to 32 slots, present as bits of {@code bitmap}: each an {@link Entry} or a {@link Node}. */
  private static final class BitmapNode implements Node {
    static final BitmapNode EMPTY = new BitmapNode(0, new Object[0]);

    final int bitmap;
    final Object[] slots;

    BitmapNode(int bitmap, Object[] slots) {
      this.bitmap = bitmap;
      this.slots = slots;
    }

    @Override
    public Entry find(Object key, int hash, int shift) {
      int bit = 1 << ((hash >>> shift) & MASK);
      if ((bitmap & bit) == 0) {
        return null;
      }
      Object slot = slots[Integer.bitCount(bitmap & (bit - 1))];
      if (slot instanceof Entry e) {
        return e.matches(key, hash) ? e : null;
      }
      return ((Node) slot).find(key, hash, shift + BITS);
    }

    @Override
    public Node plus(Entry entry, int shift, Change change) {
      int bit = 1 << ((entry.hash >>> shift) & MASK);
      int index = Integer.bitCount(bitmap & (bit - 1));
      if ((bitmap & bit) == 0) {
        Object[] next = new Object[slots.length + 1];
        System.arraycopy(slots, 0, next, 0, index);
        next[index] = entry;
        System.arraycopy(slots, index, next, index + 1, slots.length - index);
        change.added = true;
        return new BitmapNode(bitmap | bit, next);
      }
      Object slot = slots[index];
      Object replacement;
      if (slot instanceof Entry e) {
        if (e.matches(entry.key, entry.hash)) {
          if (e.value == entry.value) {
            return this;
          }
          replacement = entry;
        } else {
          replacement = pair(e, entry, shift + BITS);
          change.added = true;
        }
      } else {
        Node sub = (Node) slot;
        Node nextSub = sub.plus(entry, shift + BITS, change);
        if (nextSub == sub) {
          return this;
        }
        replacement = nextSub;
      }
      return withSlot(index, replacement);
    }

    @Override
    public Node minus(Object key, int hash, int shift) {
      int bit = 1 << ((hash >>> shift) & MASK);
      if ((bitmap & bit) == 0) {
        return this;
      }
      int index = Integer.bitCount(bitmap & (bit - 1));
      Object slot = slots[index];
      if (slot instanceof Entry e) {
        if (!e.matches(key, hash)) {
          return this;
        }
        return without(bit, index);
      }
      Node sub = (Node) slot;
      Node nextSub = sub.minus(key, hash, shift + BITS);
      if (nextSub == sub) {
        return this;
      }
      if (nextSub == null) {
        return without(bit, index);
      }
      Entry single = nextSub.single();
      // A sub-node left with one entry folds into this slot: the shape stays the one that the
      // same keys inserted afresh would give.
      return withSlot(index, single != null ? single : nextSub);
    }

    private Node withSlot(int index, Object slot) {
      Object[] next = slots.clone();
      next[index] = slot;
      return new BitmapNode(bitmap, next);
    }

    private Node without(int bit, int index) {
      if (slots.length == 1) {
        return null;
      }
      Object[] next = new Object[slots.length - 1];
      System.arraycopy(slots, 0, next, 0, index);
      System.arraycopy(slots, index + 1, next, index, slots.length - index - 1);
      return new BitmapNode(bitmap & ~bit, next);
    }

    @Override
    public Entry single() {
      return slots.length == 1 && slots[0] instanceof Entry e ? e : null;
    }

    @Override
    public void forEach(BiConsumer<Object, Object> action) {
      for (Object slot : slots) {
        if (slot instanceof Entry e) {
          action.accept(e.key, e.value);
        } else {
          ((Node) slot).forEach(action);
        }
      }
    }

    /** The node holding two entries whose hashes agree below {@code shift}. */
    private static Node pair(Entry a, Entry b, int shift) {
      if (shift >= Integer.SIZE) {
        return new CollisionNode(a.hash, new Entry[] {a, b});
      }
      int slotA = (a.hash >>> shift) & MASK;
      int slotB = (b.hash >>> shift) & MASK;
      if (slotA == slotB) {
        return new BitmapNode(1 << slotA, new Object[] {pair(a, b, shift + BITS)});
      }
      // Slots in bit order (compared as indexes: bit 31 is the sign bit).
      return new BitmapNode(1 << slotA | 1 << slotB, slotA < slotB ? new Object[] {a, b} : new Object[] {b, a});
    }
  }

  /** Entries whose 32-bit hashes are all equal, past the trie's last level. */
  private static final class CollisionNode implements Node {
    final int hash;
    final Entry[] entries;

    CollisionNode(int hash, Entry[] entries) {
      this.hash = hash;
      this.entries = entries;
    }

    @Override
    public Entry find(Object key, int h, int shift) {
      for (Entry e : entries) {
        if (e.matches(key, h)) {
          return e;
        }
      }
      return null;
    }

    @Override
    public Node plus(Entry entry, int shift, Change change) {
      for (int i = 0; i < entries.length; i++) {
        if (entries[i].matches(entry.key, entry.hash)) {
          if (entries[i].value == entry.value) {
            return this;
          }
          Entry[] next = entries.clone();
          next[i] = entry;
          return new CollisionNode(hash, next);
        }
      }
      Entry[] next = Arrays.copyOf(entries, entries.length + 1);
      next[entries.length] = entry;
      change.added = true;
      return new CollisionNode(hash, next);
    }

    @Override
    public Node minus(Object key, int h, int shift) {
      for (int i = 0; i < entries.length; i++) {
        if (entries[i].matches(key, h)) {
          if (entries.length == 1) {
            return null;
          }
          Entry[] next = new Entry[entries.length - 1];
          System.arraycopy(entries, 0, next, 0, i);
          System.arraycopy(entries, i + 1, next, i, entries.length - i - 1);
          return new CollisionNode(hash, next);
        }
      }
      return this;
    }

    @Override
    public Entry single() {
      return entries.length == 1 ? entries[0] : null;
    }

    @Override
    public void forEach(BiConsumer<Object, Object> action) {
      for (Entry e : entries) {
        action.accept(e.key, e.value);
      }
    }
  }
}
