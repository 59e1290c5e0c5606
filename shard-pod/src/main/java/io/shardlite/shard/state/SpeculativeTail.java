package io.shardlite.shard.state;

import io.shardlite.proto.ShardResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The speculative multi-shard parts a shard has applied in its writer's open SQLite transaction,
 * in log order, each behind its own savepoint (pure bookkeeping; the apply thread only).
 *
 * <p>While any part here is unresolved the transaction stays open: later entries apply on top of
 * the parts, a part's ABORT rolls back to its savepoint (the part and everything applied after
 * it), and once every part left is committed the transaction commits with the entry that
 * resolved the last one. The committed parts stay a prefix: the sequencer commits a part only
 * after the parts below it ({@code Decide.depends_on}) and the owner lane sends their COMMITs
 * bottom-up, so an ABORT never undoes a committed part.
 */
final class SpeculativeTail {
  /** One part: its savepoint, the meta row before it (restored on ABORT) and its prepare result. */
  static final class Part {
    final String txId;
    final String savepoint;
    final ShardDatabase.Meta before;
    final ShardResult prepared;
    boolean committed;

    Part(String txId, String savepoint, ShardDatabase.Meta before, ShardResult prepared) {
      this.txId = txId;
      this.savepoint = savepoint;
      this.before = before;
      this.prepared = prepared;
    }
  }

  private final List<Part> parts = new ArrayList<>();
  private long savepoints;

  boolean isEmpty() {
    return parts.isEmpty();
  }

  /** A fresh savepoint name for the next part (SQL identifier). */
  String nextSavepoint() {
    return "speculative_" + (savepoints++);
  }

  void add(Part part) {
    parts.add(part);
  }

  /** The part of {@code txId} in the tail, or null. */
  Part find(String txId) {
    for (Part p : parts) {
      if (p.txId.equals(txId)) {
        return p;
      }
    }
    return null;
  }

  /** The parts, in log order (read-only view). */
  List<Part> parts() {
    return java.util.Collections.unmodifiableList(parts);
  }

  /** Removes {@code part} and every part after it (an ABORT rolled them back); returns them, in order. */
  List<Part> dropFrom(Part part) {
    int i = parts.indexOf(part);
    if (i < 0) {
      return List.of();
    }
    List<Part> sub = parts.subList(i, parts.size());
    List<Part> dropped = new ArrayList<>(sub);
    sub.clear();
    return dropped;
  }

  /** Whether every part left is committed (then the open transaction may commit). */
  boolean allCommitted() {
    for (Part p : parts) {
      if (!p.committed) {
        return false;
      }
    }
    return true;
  }

  /** Whether a part before {@code part} is still unresolved. */
  boolean unresolvedBefore(Part part) {
    for (Part p : parts) {
      if (p == part) {
        return false;
      }
      if (!p.committed) {
        return true;
      }
    }
    return false;
  }

  /** Whether a part after {@code part} is committed (an ABORT of {@code part} would undo it). */
  boolean committedAfter(Part part) {
    boolean after = false;
    for (Part p : parts) {
      if (after && p.committed) {
        return true;
      }
      after |= p == part;
    }
    return false;
  }

  /** The unresolved parts' transactions, in log order. */
  List<String> unresolvedTxIds() {
    List<String> ids = new ArrayList<>();
    for (Part p : parts) {
      if (!p.committed) {
        ids.add(p.txId);
      }
    }
    return ids;
  }

  /** The first unresolved part's transaction, or null. */
  String firstUnresolved() {
    for (Part p : parts) {
      if (!p.committed) {
        return p.txId;
      }
    }
    return null;
  }

  void clear() {
    parts.clear();
  }
}
