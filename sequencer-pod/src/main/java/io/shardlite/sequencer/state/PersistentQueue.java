package io.shardlite.sequencer.state;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A persistent (immutable) first-in first-out queue: elements join at the back and leave from the
 * front in O(1) (amortized: the back list is reversed into the front once per element), where a
 * sorted tree paid a rebalancing path for both. The amortization assumes each version is built on
 * once, as the sequencer's states are (a state that a failed command leaves is built on again,
 * which costs at most one more reversal).
 */
public final class PersistentQueue<E> implements Iterable<E> {
  private static final PersistentQueue<?> EMPTY = new PersistentQueue<>(null, null, 0);

  /** The front, oldest first. */
  private final Cons<E> front;
  /** The back, newest first. */
  private final Cons<E> back;
  private final int size;

  /** A list cell (a class, not a record: a record's equals would recurse down the list). */
  private static final class Cons<E> {
    final E head;
    final Cons<E> tail;

    Cons(E head, Cons<E> tail) {
      this.head = head;
      this.tail = tail;
    }
  }

  private PersistentQueue(Cons<E> front, Cons<E> back, int size) {
    this.front = front;
    this.back = back;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  public static <E> PersistentQueue<E> empty() {
    return (PersistentQueue<E>) EMPTY;
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** This queue with {@code e} at the back. */
  public PersistentQueue<E> plus(E e) {
    java.util.Objects.requireNonNull(e, "element");
    return front == null ? new PersistentQueue<>(new Cons<>(e, null), back, size + 1)
        : new PersistentQueue<>(front, new Cons<>(e, back), size + 1);
  }

  /** The oldest element. */
  public E first() {
    if (front == null) {
      throw new NoSuchElementException("empty queue");
    }
    return front.head;
  }

  /** This queue without its oldest element. */
  public PersistentQueue<E> minusFirst() {
    if (front == null) {
      throw new NoSuchElementException("empty queue");
    }
    if (front.tail != null) {
      return new PersistentQueue<>(front.tail, back, size - 1);
    }
    // The front is used up: the back, reversed, becomes the front (kept non-empty while any is left).
    Cons<E> reversed = null;
    for (Cons<E> c = back; c != null; c = c.tail) {
      reversed = new Cons<>(c.head, reversed);
    }
    return new PersistentQueue<>(reversed, null, size - 1);
  }

  /** The elements, oldest first. */
  public List<E> toList() {
    List<E> list = new ArrayList<>(size);
    for (Cons<E> c = front; c != null; c = c.tail) {
      list.add(c.head);
    }
    int start = list.size();
    for (Cons<E> c = back; c != null; c = c.tail) {
      list.add(c.head);
    }
    java.util.Collections.reverse(list.subList(start, list.size()));
    return list;
  }

  @Override
  public Iterator<E> iterator() {
    return toList().iterator();
  }

  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof PersistentQueue<?> q && q.size == size && q.toList().equals(toList());
  }

  @Override
  public int hashCode() {
    return toList().hashCode();
  }

  @Override
  public String toString() {
    return toList().toString();
  }
}
