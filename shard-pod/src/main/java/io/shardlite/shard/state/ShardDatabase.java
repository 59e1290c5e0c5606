package io.shardlite.shard.state;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ClaimEpoch;
import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.GroupItem;
import io.shardlite.proto.PreparePart;
import io.shardlite.proto.ReadPart;
import io.shardlite.proto.Row;
import io.shardlite.proto.ShardEntry;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.ShardResults;
import io.shardlite.proto.ResolvePart;
import io.shardlite.proto.Statement;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.WriteBatch;
import io.shardlite.proto.WriteGroup;
import io.shardlite.shard.sql.DeterministicContext;
import io.shardlite.shard.sql.DeterministicFunctions;
import io.shardlite.shard.sql.SqlPolicy;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteException;

/**
 * One shard's SQLite file and the only code that changes it.
 *
 * <p>Every applied log entry runs in one SQLite transaction that also advances the meta row
 * ({@code _shardlite_meta}: applied Raft index and term, last global LSN, claimed epoch). So the
 * file itself says exactly which entries it contains: re-delivered entries (index at or below the
 * recorded one) are skipped, which makes apply exactly-once across crashes and restarts.
 *
 * <p>Outcomes are deterministic: an entry either commits on every replica or fails with the same
 * typed error on every replica, changing nothing but the meta row. Errors that come from the
 * environment (I/O, full disk, corruption) are not outcomes: they throw {@link IllegalStateException}
 * so the replica stops instead of diverging.
 *
 * <p>A prepared multi-shard part blocks the shard until it is resolved: no other write or prepare
 * applies ({@link ErrorCode#PART_IN_DOUBT}) and {@link #readResolved} refuses to read, because the
 * part's transaction may already be committed and visible on another shard. Owners never send
 * anything else while a part is prepared; this makes a mistake a typed refusal, never a lost or
 * reordered commit.
 *
 * <p>Threading: {@code apply*} run on the group's apply thread only; reads and dumps use a
 * separate read-only connection, and {@link #snapshotTo} one of its own (WAL mode lets both run
 * beside writes).
 */
public final class ShardDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardDatabase.class);
  /** Successful tx ids are remembered for this many log entries (idempotent client retries). */
  static final long TX_RETENTION_ENTRIES = 200_000;
  private static final int STATEMENT_CACHE = 64;

  private final Path file;
  private final DeterministicContext context = new DeterministicContext();
  private final Connection writer;
  private final Connection reader;
  private final StatementCache writes;
  private final StatementCache reads;
  private final PreparedStatement updateMeta;
  private final PreparedStatement findTx;
  private final PreparedStatement recordTx;
  private final PreparedStatement lastRowid;
  private final PreparedStatement otherPrepared;
  /** On the read connection: any prepared part in the snapshot a read sees. */
  private final PreparedStatement anyPrepared;
  /** The committed meta row, as other threads may see it. */
  private Meta meta;
  /** The meta row in the writer's open transaction (apply thread only; equals meta between entries). */
  private Meta written;
  /**
   * Set while a write group's items apply: they share the entry's one SQLite commit and its one
   * meta row update (apply thread only).
   */
  private boolean deferCommit;
  /** Whether this replica's answers reach the writer: false on followers (apply thread only). */
  private boolean answering = true;
  /** Speculative parts in the writer's open transaction (apply thread only; empty: none open). */
  private final SpeculativeTail tail = new SpeculativeTail();
  /** The first unresolved speculative part while the tail is open (reads wait), else null. */
  private volatile String openTail;
  /** When the open tail opened (System.nanoTime), while it is open. */
  private volatile long tailOpenedAtNanos;

  /** The meta row: what the file contains. */
  public record Meta(long appliedIndex, long appliedTerm, long globalLsn, long epoch) {}

  /** An ordered logical dump of the user data. */
  public record Dump(long appliedIndex, String sha256, long rowCount, String text) {}

  private ShardDatabase(Path file) throws SQLException {
    this.file = file;
    java.util.Properties writerConfig = new java.util.Properties();
    // The shard reads last_insert_rowid() itself; sqlite-jdbc would look generated keys up after every write.
    writerConfig.setProperty("jdbc.get_generated_keys", "false");
    this.writer = DriverManager.getConnection("jdbc:sqlite:" + file, writerConfig);
    try (java.sql.Statement st = writer.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      // The Raft log is the durable record; a lost SQLite tail after power loss is re-applied
      // from the log because the meta row travels in the same transaction.
      st.execute("PRAGMA synchronous=NORMAL");
      // Every batch of an entry, and every speculative part, runs in a savepoint of the open
      // transaction: SQLite copies each page a savepoint first changes into a sub-journal, a temp
      // file past 64 KiB unless temp files live in memory. ShardApplyBenchmark with speculative
      // parts: 2,064-2,432 -> 3,693-4,229 entries/s. (This connection's temp tables and sorts
      // use memory too.)
      st.execute("PRAGMA temp_store=MEMORY");
      st.execute("PRAGMA foreign_keys=ON");
      st.execute("CREATE TABLE IF NOT EXISTS _shardlite_meta(id INTEGER PRIMARY KEY CHECK (id = 1),"
          + " applied_index INTEGER NOT NULL, applied_term INTEGER NOT NULL,"
          + " global_lsn INTEGER NOT NULL, epoch INTEGER NOT NULL)");
      st.execute("INSERT OR IGNORE INTO _shardlite_meta VALUES (1, 0, 0, 0, 0)");
      st.execute("CREATE TABLE IF NOT EXISTS _shardlite_tx(tx_id TEXT PRIMARY KEY,"
          + " applied_index INTEGER NOT NULL, result BLOB NOT NULL)");
      // Files of earlier versions index the ids by entry for the retention; it now goes by rowid
      // (see forgetOldTxIds), and the index cost every transaction a B-tree insert.
      st.execute("DROP INDEX IF EXISTS _shardlite_tx_by_index");
      st.execute("CREATE TABLE IF NOT EXISTS _shardlite_prepared(tx_id TEXT PRIMARY KEY, batch BLOB NOT NULL)");
    }
    writer.setAutoCommit(false);
    DeterministicFunctions.install(writer, context);
    this.writes = new StatementCache(writer, STATEMENT_CACHE);
    this.updateMeta = writer.prepareStatement(
        "UPDATE _shardlite_meta SET applied_index = ?, applied_term = ?, global_lsn = ?, epoch = ? WHERE id = 1");
    this.findTx = writer.prepareStatement("SELECT result FROM _shardlite_tx WHERE tx_id = ?");
    this.recordTx = writer.prepareStatement("INSERT INTO _shardlite_tx(tx_id, applied_index, result) VALUES (?, ?, ?)"
        + " ON CONFLICT(tx_id) DO NOTHING");
    this.lastRowid = writer.prepareStatement("SELECT last_insert_rowid()");
    this.otherPrepared = writer.prepareStatement("SELECT tx_id FROM _shardlite_prepared WHERE tx_id <> ? LIMIT 1");
    writer.commit();
    this.meta = readMeta(writer);
    this.written = meta;
    writer.commit();

    this.reader = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (java.sql.Statement st = reader.createStatement()) {
      st.execute("PRAGMA query_only=ON");
    }
    reader.setAutoCommit(false);
    this.reads = new StatementCache(reader, STATEMENT_CACHE);
    this.anyPrepared = reader.prepareStatement("SELECT tx_id FROM _shardlite_prepared LIMIT 1");
  }

  /** Opens (creating if needed) the shard file. */
  public static ShardDatabase open(Path file) {
    try {
      Files.createDirectories(file.getParent());
      return new ShardDatabase(file);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot open shard database " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  public synchronized Meta meta() {
    return meta;
  }

  /**
   * Whether speculative parts are applied and not all resolved: the file (and {@link #meta()})
   * then lags the applied entries, which the Raft log still holds.
   */
  public boolean speculativeTailOpen() {
    return openTail != null;
  }

  /** How long the committed file has lagged the applied entries (0 while no speculative tail is open). */
  public long speculativeTailAgeMillis() {
    return openTail == null ? 0 : java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tailOpenedAtNanos);
  }

  /** Bytes on disk: the database file plus its WAL. */
  public long sizeBytes() {
    return sizeOf(file) + sizeOf(Path.of(file + "-wal"));
  }

  /**
   * {@link #applyEntry(long, long, ByteString)} on a replica that may not be the one whose answer
   * reaches the writer: when {@code answering} is false (a follower) its read items are not run,
   * since the read changes nothing and its rows would reach no one; each answers with a retryable
   * error instead of rows (Ratis keeps a follower's answers for a client that repeats its call to
   * it once it leads, and an empty read must never pass for the shard's rows).
   */
  public ByteString applyEntry(long term, long index, ByteString entryBytes, boolean answering) {
    this.answering = answering;
    try {
      return applyEntry(term, index, entryBytes);
    } finally {
      this.answering = true;
    }
  }

  /**
   * Applies one log entry (a serialized {@link ShardEntry}) at the given Raft position and returns
   * its serialized reply: {@link ShardResults} for a write group, {@link ShardResult} otherwise.
   * Entries at or below the recorded applied index are not applied again.
   */
  public ByteString applyEntry(long term, long index, ByteString entryBytes) {
    ShardEntry entry = decode(entryBytes);
    if (entry != null && entry.getBodyCase() == ShardEntry.BodyCase.GROUP) {
      return applyGroup(term, index, entry.getGroup()).toByteString();
    }
    return applySingle(term, index, entry).toByteString();
  }

  /** {@link #applyEntry} for entries that answer with one result (writes, claims, malformed). */
  public ShardResult apply(long term, long index, ByteString entryBytes) {
    ShardEntry entry = decode(entryBytes);
    if (entry != null && entry.getBodyCase() == ShardEntry.BodyCase.GROUP) {
      throw new IllegalArgumentException("a write group entry answers with several results: use applyEntry");
    }
    return applySingle(term, index, entry);
  }

  /** The entry, or null when the bytes are not one. */
  private static ShardEntry decode(ByteString entryBytes) {
    try {
      return ShardEntry.parseFrom(entryBytes);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private ShardResult applySingle(long term, long index, ShardEntry entry) {
    Meta m = written;
    if (index <= m.appliedIndex()) {
      return resultOf(m).setDuplicate(true).build();
    }
    if (entry == null) {
      return fail(term, index, new ShardliteException(ErrorCode.MALFORMED_REQUEST, "undecodable shard entry"));
    }
    return switch (entry.getBodyCase()) {
      case WRITE -> applyBatches(term, index, List.of(entry.getWrite())).get(0);
      case CLAIM -> applyClaim(term, index, entry.getClaim());
      case PREPARE -> applyPrepare(term, index, entry.getPrepare());
      case RESOLVE -> applyResolve(term, index, entry.getResolve());
      case BODY_NOT_SET -> fail(term, index, new ShardliteException(ErrorCode.MALFORMED_REQUEST, "empty shard entry"));
      case GROUP -> throw new IllegalStateException("write groups are applied by applyGroup");
    };
  }

  private ShardResults applyGroup(long term, long index, WriteGroup group) {
    if (group.getItemsCount() > 0) {
      return applyItems(term, index, group.getItemsList());
    }
    // The older form is a group of items too: resolve_first, the batches, prepare_last.
    List<GroupItem> items = new ArrayList<>(group.getBatchesCount() + 2);
    if (group.hasResolveFirst()) {
      items.add(GroupItem.newBuilder().setResolve(group.getResolveFirst()).build());
    }
    group.getBatchesList().forEach(b -> items.add(GroupItem.newBuilder().setBatch(b).build()));
    if (group.hasPrepareLast()) {
      items.add(GroupItem.newBuilder().setPrepare(group.getPrepareLast()).build());
    }
    List<ShardResult> results = applyItems(term, index, items).getItemResultsList();
    int first = group.hasResolveFirst() ? 1 : 0;
    int end = first + group.getBatchesCount();
    ShardResults.Builder out = ShardResults.newBuilder().addAllResults(results.subList(first, end));
    if (group.hasResolveFirst()) {
      out.setResolved(results.get(0));
    }
    if (group.hasPrepareLast()) {
      out.setPrepared(results.get(end));
    }
    return out.build();
  }

  /**
   * A group in its general form: each item (a run of batches, a prepare, a resolution) applies as
   * its own entry would, and the entry makes one SQLite commit at the end, so a crash re-applies
   * all of it or none.
   */
  private ShardResults applyItems(long term, long index, List<GroupItem> items) {
    ShardResults.Builder out = ShardResults.newBuilder();
    if (index <= written.appliedIndex()) {
      items.forEach(item -> out.addItemResults(resultOf(written).setDuplicate(true)));
      return out.build();
    }
    deferCommit = true;
    try {
      List<WriteBatch> run = new ArrayList<>();
      for (GroupItem item : items) {
        if (item.getItemCase() == GroupItem.ItemCase.BATCH) {
          run.add(item.getBatch());
          continue;
        }
        if (!run.isEmpty()) {
          out.addAllItemResults(applyBatches(term, index, run));
          run.clear();
        }
        switch (item.getItemCase()) {
          case PREPARE -> out.addItemResults(applyPrepare(term, index, item.getPrepare()));
          case RESOLVE -> out.addItemResults(applyResolve(term, index, item.getResolve()));
          case READ -> out.addItemResults(applyRead(term, index, item.getRead()));
          default -> out.addItemResults(resultOf(written).setError(new ShardliteException(
              ErrorCode.MALFORMED_REQUEST, "an empty write group item").toProto()));
        }
      }
      if (!run.isEmpty()) {
        out.addAllItemResults(applyBatches(term, index, run));
      }
    } finally {
      deferCommit = false;
    }
    try {
      commitMeta(new Meta(index, term, written.globalLsn(), written.epoch()));
    } catch (SQLException e) {
      throw environmental(e);
    }
    return out.build();
  }

  /**
   * Phase two: a stored part's commit applies it as a write at its LSN, its abort drops it; a
   * speculative part is resolved in the open transaction ({@link #resolveSpeculative}).
   */
  private ShardResult applyResolve(long term, long index, ResolvePart resolve) {
    Meta m = written;
    try {
      ShardResult recorded = null;
      ShardliteException error = null;
      WriteBatch committedPart = null;
      boolean stale = resolve.getEpoch() < m.epoch();
      SpeculativeTail.Part speculative = stale ? null : tail.find(resolve.getTxId());
      if (speculative != null) {
        return resolveSpeculative(term, index, resolve, speculative);
      }
      WriteBatch part = stale ? null : preparedPart(resolve.getTxId());
      if (stale) {
        error = new ShardliteException(ErrorCode.STALE_EPOCH,
            "resolve at epoch " + resolve.getEpoch() + " is below the shard's claimed epoch " + m.epoch());
      } else if (part == null) {
        recorded = recordedOutcome(resolve.getTxId());
        if (recorded == null && resolve.getCommit()) {
          error = new ShardliteException(ErrorCode.UNKNOWN_TRANSACTION,
              "no part of transaction '" + resolve.getTxId() + "' is prepared on this shard");
        }
      } else {
        try (PreparedStatement ps = writer.prepareStatement("DELETE FROM _shardlite_prepared WHERE tx_id = ?")) {
          ps.setString(1, resolve.getTxId());
          ps.executeUpdate();
        }
        if (resolve.getCommit()) {
          // The resolver's epoch: a new owner may commit what its predecessor prepared.
          committedPart = part.toBuilder().setEpoch(Math.max(part.getEpoch(), resolve.getEpoch())).build();
        }
      }
      if (committedPart != null) {
        return applyBatches(term, index, List.of(committedPart)).get(0);
      }
      commitMeta(new Meta(index, term, m.globalLsn(), m.epoch()));
      ShardResult.Builder resolved = recorded != null ? recorded.toBuilder().setDuplicate(true) : resultOf(written);
      if (error != null) {
        resolved.setError(error.toProto());
      }
      return resolved.build();
    } catch (SQLException e) {
      throw environmental(e);
    }
  }



  /**
   * Applies the batches of one entry in order, each its own all-or-nothing unit with its own
   * outcome, then commits once: one SQLite commit per Raft entry.
   *
   * <p>The run of batches shares one savepoint, not one each: every savepoint copies the pages
   * it changes into SQLite's sub-journal, and releasing one truncates that journal, which in
   * memory ({@code temp_store=MEMORY}) walks its chunks from the start. Under an open speculative
   * tail the journal grows with every entry until the tail commits, so per-batch savepoints made
   * each entry cost more the longer the tail stayed open (ShardApplyBenchmark with a tail open
   * for 64 entries: 1,872 vs 4,244 entries/s for 4). A batch that fails after it wrote rolls the
   * run back; the run is applied again without it (every replica does the same: the failure is
   * deterministic). Checks that fail before a batch writes need no rollback.
   */
  private List<ShardResult> applyBatches(long term, long index, List<WriteBatch> batches) {
    try (java.sql.Statement sp = writer.createStatement()) {
      String inDoubt = preparedOtherThan("");
      Map<Integer, ShardResult> failedAfterWriting = new HashMap<>();
      sp.execute("SAVEPOINT batches");
      Run run;
      while ((run = applyRun(index, batches, inDoubt, failedAfterWriting)) == null) {
        // Back to the run's start (the newest savepoint of that name: earlier runs' may still be
        // open below it); ROLLBACK TO keeps the savepoint for the next pass.
        sp.execute("ROLLBACK TO batches");
      }
      // The run's savepoint is never released: the commit that ends the open SQLite transaction
      // (this entry's, or the speculative tail's) ends it, and an ABORT of a part below it rolls it
      // away with the part. Releasing it truncates SQLite's in-memory sub-journal back to where the
      // savepoint began, which walks the journal's 1 KiB chunks from its start, and under an open
      // tail the journal holds every page the tail's savepoints copied: each release cost as much
      // as the tail was long (11.7% of the shard servers' CPU at 16 shards and 10% multi-shard).
      // An open savepoint copies no page more: SQLite copies a changed page once for every open
      // savepoint that lacks it, and the newest one needs it anyway.
      if (index % 1024 == 0) {
        forgetOldTxIds(index);
      }
      commitMeta(new Meta(index, term, run.lsn(), run.epoch()));
      List<ShardResult> withMeta = new ArrayList<>(run.results().size());
      for (ShardResult r : run.results()) {
        withMeta.add(r.getDuplicate() ? r
            : r.toBuilder().setAppliedIndex(index).setEpoch(run.epoch()).setGlobalLsn(run.lsn()).build());
      }
      return withMeta;
    } catch (SQLException e) {
      throw environmental(e);
    }
  }

  /** One pass over a run of batches: their outcomes, and the shard's epoch and LSN after them. */
  private record Run(List<ShardResult> results, long epoch, long lsn) {}

  /**
   * Applies the run once, answering the batches in {@code failedAfterWriting} with their error
   * without applying them. Returns null, after adding it there, when a batch fails after it
   * wrote: the caller rolls the run back and applies it again.
   */
  private Run applyRun(long index, List<WriteBatch> batches, String inDoubt,
      Map<Integer, ShardResult> failedAfterWriting) throws SQLException {
    long epoch = written.epoch();
    long lsn = written.globalLsn();
    List<ShardResult> out = new ArrayList<>(batches.size());
    for (int i = 0; i < batches.size(); i++) {
      ShardResult r = failedAfterWriting.get(i);
      if (r == null) {
        WriteBatch batch = batches.get(i);
        ShardliteException refusal = refusal(batch, epoch, lsn, inDoubt);
        if (refusal != null) {
          // A retry of a batch applied before is refused by the checks (its LSN is not above the
          // shard's any more, say): its recorded outcome answers it.
          r = answerOf(batch, refusal);
        } else {
          // The duplicate check costs a lookup only when the batch turns out to need it: writing
          // the outcome finds the id taken, or a statement fails (as a retry's may where the first
          // attempt's did not). Either way the run is rolled back and applied again.
          ShardResult outcome;
          try {
            outcome = write(index, batch, epoch, lsn);
          } catch (ShardliteException | SQLException e) {
            failedAfterWriting.put(i, answerOf(batch, e instanceof SQLException se ? classify(se, -1)
                : (ShardliteException) e));
            return null;
          }
          if (outcome == null) {
            failedAfterWriting.put(i, answerOf(batch, null));
            return null;
          }
          r = outcome;
          epoch = Math.max(epoch, batch.getEpoch());
          lsn = Math.max(lsn, batch.getGlobalLsn());
        }
      }
      out.add(r);
    }
    return new Run(out, epoch, lsn);
  }

  /**
   * The answer to a batch that was refused or failed: the outcome recorded for its id when it was
   * applied before (a retry, answered as a duplicate), else {@code error} (null: none expected).
   */
  private ShardResult answerOf(WriteBatch batch, ShardliteException error) throws SQLException {
    ShardResult recorded = batch.getTxId().isEmpty() ? null : recordedOutcome(batch.getTxId());
    if (recorded != null) {
      return recorded.toBuilder().setDuplicate(true).build();
    }
    if (error == null) {
      throw new IllegalStateException("transaction id " + batch.getTxId() + " was taken and is not recorded");
    }
    return ShardResult.newBuilder().setError(error.toProto()).build();
  }

  /**
   * Why a batch may not be written, or null: a part of {@code inDoubt} is prepared here, its epoch
   * is fenced, its LSN is not above the shard's, or it is empty. These checks write nothing.
   */
  private static ShardliteException refusal(WriteBatch batch, long epoch, long lsn, String inDoubt) {
    if (inDoubt != null) {
      return inDoubt(inDoubt);
    }
    if (batch.getEpoch() < epoch) {
      return new ShardliteException(ErrorCode.STALE_EPOCH,
          "epoch " + batch.getEpoch() + " is below the shard's claimed epoch " + epoch);
    }
    if (batch.getGlobalLsn() != 0 && batch.getGlobalLsn() <= lsn) {
      return new ShardliteException(ErrorCode.OUT_OF_ORDER_LSN,
          "global LSN " + batch.getGlobalLsn() + " is not above the shard's last applied " + lsn);
    }
    if (batch.getStatementsCount() == 0) {
      return new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a write batch needs at least one statement");
    }
    return null;
  }

  /**
   * The writes of a batch that passed {@link #refusal}: its statements and its recorded outcome.
   * Returns null when its id is recorded already (a retry; the caller rolls the statements back).
   */
  private ShardResult write(long index, WriteBatch batch, long epoch, long lsn) throws SQLException {
    context.begin(batch.getTimestampMillis(), batch.getRandomSeed());
    List<StatementResult> results = new ArrayList<>(batch.getStatementsCount());
    for (int i = 0; i < batch.getStatementsCount(); i++) {
      results.add(execute(writes, batch.getStatements(i), i, true));
    }
    ShardResult outcome = ShardResult.newBuilder().addAllResults(results).setAppliedIndex(index)
        .setEpoch(Math.max(epoch, batch.getEpoch())).setGlobalLsn(Math.max(lsn, batch.getGlobalLsn())).build();
    if (!batch.getTxId().isEmpty() && !recordOutcome(batch.getTxId(), index, outcome)) {
      return null;
    }
    return outcome;
  }

  /**
   * Phase one of a multi-shard part: its statements run to check them and get their results,
   * fenced and LSN-checked like a write. A stored part is then rolled back and kept in
   * {@code _shardlite_prepared}: the shard's LSN and data are unchanged until it is resolved. A
   * speculative one stays applied at its LSN behind a savepoint of its own, in the open
   * transaction, where later entries see it (see {@link SpeculativeTail}).
   */
  private ShardResult applyPrepare(long term, long index, PreparePart prepare) {
    WriteBatch batch = prepare.getBatch();
    boolean speculative = prepare.getSpeculative();
    Meta m = written;
    Meta unchanged = new Meta(index, term, m.globalLsn(), m.epoch());
    try (java.sql.Statement sp = writer.createStatement()) {
      // A part's outcome is recorded once it committed here, so at or below the shard's LSN: a
      // part above it cannot have one, and the LSN check below refuses one at or below it
      // unless the lookup finds it (a lookup per part cost 1.5% of the shard servers' CPU).
      ShardResult recorded = batch.getTxId().isEmpty() || batch.getGlobalLsn() > m.globalLsn()
          ? null : recordedOutcome(batch.getTxId());
      SpeculativeTail.Part open = tail.find(batch.getTxId());
      if (recorded != null || open != null) {
        commitMeta(unchanged);
        return (recorded != null ? recorded : open.prepared).toBuilder().setDuplicate(true).build();
      }
      String savepoint = speculative ? tail.nextSavepoint() : "prepare";
      sp.execute("SAVEPOINT " + savepoint);
      ShardResult checked;
      try {
        if (batch.getTxId().isEmpty()) {
          throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a prepared part needs a tx_id");
        }
        // A stored part waits for every unresolved part; a speculative one only for a stored one.
        String inDoubt = speculative || tail.isEmpty() ? preparedOtherThan(batch.getTxId()) : tail.firstUnresolved();
        ShardliteException refused = refusal(batch, m.epoch(), m.globalLsn(), inDoubt);
        if (refused != null) {
          throw refused;
        }
        // Without its id: the outcome is recorded when the part commits, not at prepare.
        checked = write(index, batch.toBuilder().clearTxId().build(), m.epoch(), m.globalLsn());
      } catch (ShardliteException | SQLException e) {
        ShardliteException error = e instanceof SQLException se ? classify(se, -1) : (ShardliteException) e;
        sp.execute("ROLLBACK TO " + savepoint);
        sp.execute("RELEASE " + savepoint);
        commitMeta(unchanged);
        return resultOf(written).setError(error.toProto()).build();
      }
      if (!speculative) {
        sp.execute("ROLLBACK TO " + savepoint);
        sp.execute("RELEASE " + savepoint);
        try (PreparedStatement ps = writer.prepareStatement(
            "INSERT OR REPLACE INTO _shardlite_prepared(tx_id, batch) VALUES (?, ?)")) {
          ps.setString(1, batch.getTxId());
          ps.setBytes(2, batch.toByteArray());
          ps.executeUpdate();
        }
        commitMeta(unchanged);
        return checked.toBuilder().setAppliedIndex(index).setEpoch(unchanged.epoch())
            .setGlobalLsn(unchanged.globalLsn()).build();
      }
      Meta next = new Meta(index, term, Math.max(m.globalLsn(), batch.getGlobalLsn()), Math.max(m.epoch(), batch.getEpoch()));
      ShardResult prepared = checked.toBuilder().setAppliedIndex(index).setEpoch(next.epoch())
          .setGlobalLsn(next.globalLsn()).build();
      if (openTail == null) {
        // The file lags from here (a tail resolved earlier in this entry has not committed yet).
        tailOpenedAtNanos = System.nanoTime();
      }
      tail.add(new SpeculativeTail.Part(batch.getTxId(), savepoint, m, prepared));
      openTail = tail.firstUnresolved();
      commitMeta(next);
      return prepared;
    } catch (SQLException e) {
      throw environmental(e);
    }
  }

  /**
   * A read-only multi-shard part at its place in the log: it sees every item and entry before it
   * and none after it, so the transaction's parts on all its shards are one cut at its LSN. Fenced
   * and LSN-checked like a write, refused while any multi-shard part is unresolved here (that
   * transaction may be committed and read elsewhere, or still abort). It changes nothing: not the
   * data (read-only statements, in a savepoint rolled back), not the shard's LSN, no recorded id.
   * Only the leader runs its statements: a follower's answer reaches no one ({@link #applyEntry(long,
   * long, ByteString, boolean)}).
   */
  private ShardResult applyRead(long term, long index, ReadPart read) {
    WriteBatch batch = read.getBatch();
    Meta m = written;
    Meta unchanged = new Meta(index, term, m.globalLsn(), m.epoch());
    ShardResult.Builder out = resultOf(unchanged);
    try {
      commitMeta(unchanged);
      if (!answering) {
        return out.setError(new ShardliteException(ErrorCode.UNAVAILABLE, "the read part of " + batch.getTxId()
            + " was not run on this replica (not the leader when it applied it); nothing was changed; retry", true, -1,
            null).toProto()).build();
      }
      String inDoubt = tail.firstUnresolved();
      if (inDoubt == null && tail.isEmpty()) {
        inDoubt = preparedOtherThan(batch.getTxId());
      }
      ShardliteException refused = refusal(batch, m.epoch(), m.globalLsn(), inDoubt);
      if (refused != null) {
        return out.setError(refused.toProto()).build();
      }
      try (java.sql.Statement sp = writer.createStatement()) {
        sp.execute("SAVEPOINT read_part");
        try {
          context.begin(batch.getTimestampMillis(), batch.getRandomSeed());
          for (int i = 0; i < batch.getStatementsCount(); i++) {
            out.addResults(execute(writes, batch.getStatements(i), i, false));
          }
        } catch (ShardliteException e) {
          out.clearResults().setError(e.toProto());
        } finally {
          sp.execute("ROLLBACK TO read_part");
          sp.execute("RELEASE read_part");
        }
      }
      return out.build();
    } catch (SQLException e) {
      throw environmental(e);
    }
  }

  /**
   * Resolves a speculative part. COMMIT records
   * the part's outcome (its tx id now answers retries); ABORT rolls back to the part's savepoint,
   * undoing it and everything applied after it (claimed epochs excepted: fencing never goes back).
   * When no unresolved part is left the open transaction commits with this entry.
   */
  private ShardResult resolveSpeculative(long term, long index, ResolvePart resolve, SpeculativeTail.Part part)
      throws SQLException {
    ShardResult resolved;
    if (part.committed) {
      resolved = part.prepared.toBuilder().setDuplicate(true).build();
    } else if (resolve.getCommit()) {
      if (tail.unresolvedBefore(part)) {
        LOG.error("shard part of {} commits before an unresolved speculative part below it", part.txId);
      }
      // Its outcome is recorded when the tail settles (below), not now: an ABORT of a part above
      // this one would roll the record back with that part (the record would follow its savepoint).
      part.committed = true;
      resolved = part.prepared.toBuilder().setAppliedIndex(index).build();
    } else {
      if (tail.committedAfter(part)) {
        LOG.error("shard part of {} aborts under a committed speculative part", part.txId);
      }
      try (java.sql.Statement sp = writer.createStatement()) {
        sp.execute("ROLLBACK TO " + part.savepoint);
        sp.execute("RELEASE " + part.savepoint);
      }
      tail.dropFrom(part);
      Meta b = part.before;
      written = new Meta(b.appliedIndex(), b.appliedTerm(), b.globalLsn(), Math.max(b.epoch(), written.epoch()));
      resolved = resultOf(written).build();
    }
    if (tail.allCommitted()) {
      settleTail(index); // this entry's commit makes the whole tail durable (and clears openTail)
    } else {
      openTail = tail.firstUnresolved();
    }
    commitMeta(new Meta(index, term, written.globalLsn(), written.epoch()));
    return resolved;
  }

  /**
   * Records the outcomes of the tail's parts, every one committed, and forgets the tail. Recorded
   * here, after the last savepoint that could still be rolled back, and at this entry's index, so
   * rows keep rising with their entries (the retention relies on it). Recording one at each COMMIT
   * also cost more: every savepoint opened since copied the table's last pages again.
   */
  private void settleTail(long index) throws SQLException {
    for (SpeculativeTail.Part p : tail.parts()) {
      if (!recordOutcome(p.txId, index, p.prepared)) {
        LOG.warn("transaction id {} was recorded before its speculative part committed; the first outcome stays",
            p.txId);
      }
    }
    tail.clear();
  }

  private WriteBatch preparedPart(String txId) throws SQLException {
    try (PreparedStatement ps = writer.prepareStatement("SELECT batch FROM _shardlite_prepared WHERE tx_id = ?")) {
      ps.setString(1, txId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? WriteBatch.parseFrom(rs.getBytes(1)) : null;
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt prepared part for tx " + txId, e);
      }
    }
  }

  /** A transaction other than {@code txId} with a part prepared here (as the open transaction sees it), or null. */
  private String preparedOtherThan(String txId) throws SQLException {
    otherPrepared.setString(1, txId);
    try (ResultSet rs = otherPrepared.executeQuery()) {
      String found = rs.next() ? rs.getString(1) : null;
      rs.next(); // step to the end so the statement is not left in progress
      return found;
    }
  }

  private static ShardliteException inDoubt(String txId) {
    return new ShardliteException(ErrorCode.PART_IN_DOUBT, "a part of multi-shard transaction '" + txId
        + "' is prepared on this shard and not resolved yet; nothing was changed", true, -1, null);
  }

  /** The transactions with a prepared, unresolved part here. */
  private List<String> preparedTxIds() throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps = writer.prepareStatement("SELECT tx_id FROM _shardlite_prepared ORDER BY tx_id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  private ShardResult applyClaim(long term, long index, ClaimEpoch claim) {
    Meta m = written;
    if (claim.getEpoch() < m.epoch()) {
      return fail(term, index, new ShardliteException(ErrorCode.STALE_EPOCH,
          "claim of epoch " + claim.getEpoch() + " is below the shard's claimed epoch " + m.epoch()));
    }
    Meta next = new Meta(index, term, m.globalLsn(), claim.getEpoch());
    try {
      List<String> prepared = preparedTxIds();
      prepared.addAll(tail.unresolvedTxIds());
      commitMeta(next);
      return resultOf(next).addAllPreparedTxIds(prepared).build();
    } catch (SQLException e) {
      throw environmental(e);
    }
  }

  /** Rolls back the entry's changes, records only its position, and returns the typed error. */
  private ShardResult fail(long term, long index, ShardliteException error) {
    Meta m = written;
    Meta next = new Meta(index, term, m.globalLsn(), m.epoch());
    try {
      if (tail.isEmpty()) {
        writer.rollback(); // nothing of the entry stays; an open speculative tail must
      }
      commitMeta(next);
    } catch (SQLException e) {
      throw environmental(e);
    }
    return resultOf(next).setError(error.toProto()).build();
  }

  /**
   * Moves the meta row to {@code next} and commits unless a speculative tail is open. Items of a
   * write group only move {@link #written}: the group's last call writes the row once for all of
   * them, in the same SQLite transaction (a part's ABORT rolls the row back with the part, and
   * that last write puts {@link #written} there again). A row update per item (each run of
   * batches, part and resolution) cost 4% of the shard servers' CPU at 16 shards and 10%
   * multi-shard (profiled).
   */
  private void commitMeta(Meta next) throws SQLException {
    if (deferCommit) {
      written = next;
      return;
    }
    updateMeta.setLong(1, next.appliedIndex());
    updateMeta.setLong(2, next.appliedTerm());
    updateMeta.setLong(3, next.globalLsn());
    updateMeta.setLong(4, next.epoch());
    updateMeta.executeUpdate();
    written = next;
    if (!tail.isEmpty()) {
      return;
    }
    writer.commit();
    openTail = null;
    synchronized (this) {
      meta = next;
    }
  }

  /**
   * Remembers a transaction's outcome: a retry of its id is answered with it (within the
   * retention). Returns false, changing nothing, when the id is recorded already.
   */
  private boolean recordOutcome(String txId, long index, ShardResult outcome) throws SQLException {
    recordTx.setString(1, txId);
    recordTx.setLong(2, index);
    recordTx.setBytes(3, outcome.toByteArray());
    return recordTx.executeUpdate() == 1;
  }

  private ShardResult recordedOutcome(String txId) throws SQLException {
    findTx.setString(1, txId);
    try (ResultSet rs = findTx.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      byte[] recorded = rs.getBytes(1);
      rs.next(); // step to the end so the statement is not left in progress
      return ShardResult.parseFrom(recorded);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt recorded outcome for tx " + txId, e);
    }
  }

  /**
   * Forgets the ids recorded at or below {@code index - TX_RETENTION_ENTRIES}. Rows are only ever
   * appended, at rising entries, so their rowids rise with their entries (a snapshot's copy keeps
   * their order): the old ones are the rows before the first one still retained, found by a scan
   * from the oldest that reads little more than what it deletes. No index by entry needed.
   */
  private void forgetOldTxIds(long index) throws SQLException {
    try (PreparedStatement ps = writer.prepareStatement("DELETE FROM _shardlite_tx WHERE rowid < coalesce("
        + "(SELECT rowid FROM _shardlite_tx WHERE applied_index > ? ORDER BY rowid LIMIT 1),"
        + " (SELECT max(rowid) + 1 FROM _shardlite_tx))")) {
      ps.setLong(1, index - TX_RETENTION_ENTRIES);
      ps.executeUpdate();
    }
  }

  /**
   * Runs read-only statements on the read connection, in one read transaction, on the latest
   * committed state (a state the shard had: enough for follower reads).
   */
  public ShardResult read(List<Statement> statements) {
    return read(statements, false);
  }

  /**
   * {@link #read}, refused with {@link ErrorCode#PART_IN_DOUBT} when a multi-shard part is
   * prepared in the state it would read: that transaction may already be committed and read on
   * another shard, so a linearizable read must wait for its resolution.
   */
  public ShardResult readResolved(List<Statement> statements) {
    return read(statements, true);
  }

  private ShardResult read(List<Statement> statements, boolean resolvedOnly) {
    if (statements.isEmpty()) {
      throw new ShardliteException(ErrorCode.MALFORMED_REQUEST, "a read needs at least one statement");
    }
    synchronized (reader) {
      try {
        if (resolvedOnly) {
          String speculative = openTail;
          if (speculative != null) {
            // The committed state lacks what the open tail holds, acknowledged writes included.
            throw inDoubt(speculative);
          }
          // First statement of the read transaction: it fixes the snapshot the statements read.
          try (ResultSet rs = anyPrepared.executeQuery()) {
            if (rs.next()) {
              throw inDoubt(rs.getString(1));
            }
          }
        }
        ShardResult.Builder out = ShardResult.newBuilder();
        for (int i = 0; i < statements.size(); i++) {
          out.addResults(execute(reads, statements.get(i), i, false));
        }
        Meta m = readMeta(reader);
        out.setAppliedIndex(m.appliedIndex()).setEpoch(m.epoch()).setGlobalLsn(m.globalLsn());
        return out.build();
      } catch (SQLException e) {
        throw classify(e, -1);
      } finally {
        try {
          reader.rollback();
        } catch (SQLException ignored) {
          // ending a read transaction
        }
      }
    }
  }

  private StatementResult execute(StatementCache cache, Statement st, int index, boolean write) throws SQLException {
    try {
      StatementCache.Prepared prepared = cache.get(st.getSql()); // checked by SqlPolicy first
      SqlPolicy.StatementKind kind = prepared.kind();
      if (!write && kind != SqlPolicy.StatementKind.READ) {
        throw new ShardliteException(ErrorCode.FORBIDDEN_STATEMENT,
            "reads accept only read-only statements (SELECT, WITH ... SELECT, VALUES, EXPLAIN)");
      }
      PreparedStatement ps = prepared.statement();
      SqlValues.bind(ps, st.getParamsList());
      StatementResult.Builder result = StatementResult.newBuilder();
      if (ps.execute()) {
        try (ResultSet rs = ps.getResultSet()) {
          ResultSetMetaData md = rs.getMetaData();
          int n = md.getColumnCount();
          for (int c = 1; c <= n; c++) {
            result.addColumns(md.getColumnLabel(c));
          }
          while (rs.next()) {
            Row.Builder row = Row.newBuilder();
            for (int c = 1; c <= n; c++) {
              row.addValues(SqlValues.read(rs, c));
            }
            result.addRows(row);
          }
        }
      } else if (kind == SqlPolicy.StatementKind.ROW_CHANGE || kind == SqlPolicy.StatementKind.ROW_INSERT) {
        result.setRowsAffected(Math.max(0, ps.getUpdateCount()));
        // Only a statement that added rows has a rowid of its own to report (else the value would
        // be an earlier insert's, perhaps the shard's own bookkeeping), and a transfer's UPDATEs
        // skip a query each.
        if (write && kind == SqlPolicy.StatementKind.ROW_INSERT && result.getRowsAffected() > 0) {
          try (ResultSet rs = lastRowid.executeQuery()) {
            rs.next();
            result.setLastInsertRowid(rs.getLong(1));
            rs.next(); // step to the end so the statement is not left in progress
          }
        }
      }
      return result.build();
    } catch (ShardliteException e) {
      throw e.atStatement(index);
    } catch (SQLException e) {
      throw classify(e, index);
    }
  }

  /**
   * Maps a SQLite failure to a typed, deterministic error, or throws when the failure comes from
   * the environment (I/O, space, corruption) and so could differ between replicas.
   */
  static ShardliteException classify(SQLException e, int statementIndex) {
    if (DeterministicFunctions.isNondeterminismError(e)) {
      return new ShardliteException(ErrorCode.NONDETERMINISTIC, cleanMessage(e), statementIndex);
    }
    String code = e instanceof SQLiteException se ? se.getResultCode().name() : "SQLITE_ERROR";
    if (code.startsWith("SQLITE_CONSTRAINT")) {
      return new ShardliteException(ErrorCode.CONSTRAINT_VIOLATION, cleanMessage(e), statementIndex);
    }
    if (isEnvironmental(code)) {
      throw environmental(e);
    }
    return new ShardliteException(ErrorCode.SQL_ERROR, cleanMessage(e), statementIndex);
  }

  private static boolean isEnvironmental(String code) {
    for (String prefix : new String[] {"SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CORRUPT", "SQLITE_NOMEM",
        "SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED",
        "SQLITE_PROTOCOL", "SQLITE_INTERRUPT", "SQLITE_PERM"}) {
      if (code.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static IllegalStateException environmental(SQLException e) {
    return new IllegalStateException("shard database failed for a reason outside the entry; stopping this replica", e);
  }

  private static String cleanMessage(SQLException e) {
    // sqlite-jdbc says "[SQLITE_ERROR] SQL error or missing database (near "x": syntax error)":
    // keep SQLite's own detail.
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    java.util.regex.Matcher detail = java.util.regex.Pattern.compile("^\\[SQLITE_[A-Z_]+\\][^(]*\\((.*)\\)\\s*$", java.util.regex.Pattern.DOTALL).matcher(m);
    return detail.matches() ? detail.group(1) : m.replaceFirst("^\\[SQLITE_[A-Z_]+\\]\\s*", "");
  }

  private static Meta readMeta(Connection c) throws SQLException {
    try (java.sql.Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(
             "SELECT applied_index, applied_term, global_lsn, epoch FROM _shardlite_meta WHERE id = 1")) {
      rs.next();
      return new Meta(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
    }
  }

  private static ShardResult.Builder resultOf(Meta m) {
    return ShardResult.newBuilder().setAppliedIndex(m.appliedIndex()).setEpoch(m.epoch()).setGlobalLsn(m.globalLsn());
  }

  /**
   * Writes a consistent copy of what the file has committed to {@code target}, durably; the copy's
   * meta row says which entry it ends at ({@link #metaOf}). Safe on any thread, beside applies and
   * reads: it reads through a connection of its own, in one read transaction (WAL mode), so an
   * entry is either wholly in the copy or not at all, and a speculative tail is not in it.
   */
  public void snapshotTo(Path target) {
    try {
      Files.deleteIfExists(target);
      try (Connection copier = DriverManager.getConnection("jdbc:sqlite:" + file);
          java.sql.Statement st = copier.createStatement()) {
        st.execute("VACUUM INTO '" + target.toString().replace("'", "''") + "'");
      }
      try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot snapshot shard database " + file + " to " + target, e);
    }
  }

  /** Replaces the shard file with a snapshot copy; the database must be closed. */
  public static void restore(Path snapshot, Path file) {
    try {
      Files.createDirectories(file.getParent());
      for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
        Files.deleteIfExists(Path.of(file + suffix));
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".restoring");
      Files.copy(snapshot, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot restore " + file + " from " + snapshot, e);
    }
  }

  /** Reads the meta row of a snapshot file without opening it as a shard. */
  public static Meta metaOf(Path snapshot) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + snapshot + "?mode=ro")) {
      return readMeta(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read snapshot " + snapshot, e);
    }
  }

  /**
   * An ordered logical dump: schema of user objects, then every user table's rows in rowid (or
   * key) order, each value type-tagged. Equal dumps mean equal logical content.
   */
  public Dump dump(boolean includeText) {
    synchronized (reader) {
      try (java.sql.Statement st = reader.createStatement()) {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        StringBuilder text = new StringBuilder();
        long rows = 0;
        Meta m = readMeta(reader);
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_schema"
            + " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_shardlite%' ESCAPE '\\'"
            + " ORDER BY type, name")) {
          while (rs.next()) {
            line(sha, text, includeText, "schema|" + rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(4));
            if ("table".equals(rs.getString(1))) {
              tables.add(rs.getString(2));
            }
          }
        }
        for (String table : tables) {
          String quoted = "\"" + table.replace("\"", "\"\"") + "\"";
          try (ResultSet rs = orderedRows(st, quoted)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
              StringBuilder row = new StringBuilder("row|").append(table);
              for (int c = 1; c <= n; c++) {
                row.append('|').append(SqlValues.render(SqlValues.read(rs, c)));
              }
              line(sha, text, includeText, row.toString());
              rows++;
            }
          }
        }
        return new Dump(m.appliedIndex(), HexFormat.of().formatHex(sha.digest()), rows, includeText ? text.toString() : "");
      } catch (SQLException | NoSuchAlgorithmException e) {
        throw new IllegalStateException("cannot dump " + file, e);
      } finally {
        try {
          reader.rollback();
        } catch (SQLException ignored) {
          // ending a read transaction
        }
      }
    }
  }

  /** Rows in rowid order, or in column order for WITHOUT ROWID tables. */
  private static ResultSet orderedRows(java.sql.Statement st, String quoted) throws SQLException {
    try {
      return st.executeQuery("SELECT rowid, * FROM " + quoted + " ORDER BY rowid");
    } catch (SQLException withoutRowid) {
      int n = columnCount(st, quoted);
      StringBuilder order = new StringBuilder();
      for (int c = 1; c <= n; c++) {
        order.append(c > 1 ? "," : "").append(c);
      }
      return st.executeQuery("SELECT * FROM " + quoted + " ORDER BY " + order);
    }
  }

  private static int columnCount(java.sql.Statement st, String quotedTable) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT * FROM " + quotedTable + " LIMIT 0")) {
      return rs.getMetaData().getColumnCount();
    }
  }

  private static void line(MessageDigest sha, StringBuilder text, boolean includeText, String line) {
    sha.update(line.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    if (includeText) {
      text.append(line).append('\n');
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    writes.close();
    reads.close();
    for (AutoCloseable c : new AutoCloseable[] {updateMeta, findTx, recordTx, lastRowid, otherPrepared, anyPrepared,
        writer, reader}) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort on shutdown
      }
    }
  }
}
