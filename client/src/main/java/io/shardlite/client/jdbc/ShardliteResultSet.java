package io.shardlite.client.jdbc;

import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.Value;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.UUID;

/**
 * A forward-only, read-only result set over the rows of one statement's result (the whole result
 * is in memory: shardlite answers a transaction with all its rows at once).
 *
 * <p>{@link #getObject(int)} returns Long, Double, String, byte[] or null (SQLite's storage
 * classes); the typed getters convert as {@link Values} describes.
 */
public final class ShardliteResultSet extends ResultSetBase {
  private final StatementResult result;
  private final Statement statement;
  private final int maxRows;
  private final ShardliteResultSetMetaData metaData;
  private int row = -1;
  private boolean wasNull;
  private boolean closed;
  private int fetchSize;

  /** @param maxRows rows to expose at most (0 = all) */
  public ShardliteResultSet(StatementResult result, Statement statement, int maxRows) {
    this.result = result;
    this.statement = statement;
    this.maxRows = maxRows;
    this.metaData = new ShardliteResultSetMetaData(result);
  }

  /** The shardlite result behind this result set (columns, rows, rows affected, last insert rowid). */
  public StatementResult result() {
    return result;
  }

  private int rowCount() {
    return maxRows > 0 ? Math.min(maxRows, result.getRowsCount()) : result.getRowsCount();
  }

  private void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLException("the result set is closed", "24000");
    }
  }

  private Value value(int column) throws SQLException {
    checkOpen();
    if (row < 0 || row >= rowCount()) {
      throw new SQLException("the result set is not on a row (call next() first and check that it returned true)",
          "24000");
    }
    if (column < 1 || column > result.getColumnsCount()) {
      throw new SQLException("column index " + column + " is out of range 1.." + result.getColumnsCount(), "07009");
    }
    Row r = result.getRows(row);
    Value v = column <= r.getValuesCount() ? r.getValues(column - 1) : Value.getDefaultInstance();
    wasNull = Values.isNull(v);
    return v;
  }

  @Override
  public boolean next() throws SQLException {
    checkOpen();
    if (row < rowCount()) {
      row++;
    }
    return row < rowCount();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (statement instanceof ShardliteStatement s) {
        s.resultSetClosed(this);
      }
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean wasNull() throws SQLException {
    checkOpen();
    return wasNull;
  }

  @Override
  public int findColumn(String label) throws SQLException {
    checkOpen();
    for (int i = 0; i < result.getColumnsCount(); i++) {
      if (result.getColumns(i).equalsIgnoreCase(label)) {
        return i + 1;
      }
    }
    throw new SQLException("no column '" + label + "' (columns: " + result.getColumnsList() + ")", "42S22");
  }

  @Override
  public String getString(int i) throws SQLException {
    return Values.toText(value(i));
  }

  @Override
  public boolean getBoolean(int i) throws SQLException {
    return Values.toBoolean(value(i));
  }

  @Override
  public byte getByte(int i) throws SQLException {
    return (byte) narrow(i, Byte.MIN_VALUE, Byte.MAX_VALUE, "byte");
  }

  @Override
  public short getShort(int i) throws SQLException {
    return (short) narrow(i, Short.MIN_VALUE, Short.MAX_VALUE, "short");
  }

  @Override
  public int getInt(int i) throws SQLException {
    return (int) narrow(i, Integer.MIN_VALUE, Integer.MAX_VALUE, "int");
  }

  private long narrow(int i, long min, long max, String type) throws SQLException {
    long v = Values.toLong(value(i));
    if (v < min || v > max) {
      throw new SQLDataException("value " + v + " of column " + i + " does not fit in " + type, "22003");
    }
    return v;
  }

  @Override
  public long getLong(int i) throws SQLException {
    return Values.toLong(value(i));
  }

  @Override
  public float getFloat(int i) throws SQLException {
    return (float) Values.toDouble(value(i));
  }

  @Override
  public double getDouble(int i) throws SQLException {
    return Values.toDouble(value(i));
  }

  @Override
  public BigDecimal getBigDecimal(int i) throws SQLException {
    return Values.toBigDecimal(value(i));
  }

  @Override
  public byte[] getBytes(int i) throws SQLException {
    return Values.toBytes(value(i));
  }

  @Override
  public Timestamp getTimestamp(int i) throws SQLException {
    return Values.toTimestamp(value(i));
  }

  @Override
  public Date getDate(int i) throws SQLException {
    Timestamp t = getTimestamp(i);
    return t == null ? null : Date.valueOf(t.toLocalDateTime().toLocalDate());
  }

  @Override
  public Time getTime(int i) throws SQLException {
    Value v = value(i);
    if (v.getKindCase() == Value.KindCase.TEXT && v.getText().trim().length() <= 12 && v.getText().contains(":")) {
      try {
        return Time.valueOf(LocalTime.parse(v.getText().trim()));
      } catch (RuntimeException e) {
        throw Values.notA("time", v);
      }
    }
    Timestamp t = Values.toTimestamp(v);
    return t == null ? null : Time.valueOf(t.toLocalDateTime().toLocalTime());
  }

  @Override
  public InputStream getBinaryStream(int i) throws SQLException {
    byte[] b = getBytes(i);
    return b == null ? null : new ByteArrayInputStream(b);
  }

  @Override
  public Reader getCharacterStream(int i) throws SQLException {
    String s = getString(i);
    return s == null ? null : new StringReader(s);
  }

  @Override
  public Object getObject(int i) throws SQLException {
    return Values.toObject(value(i));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T getObject(int i, Class<T> type) throws SQLException {
    Value v = value(i);
    if (Values.isNull(v)) {
      return null;
    }
    Object o;
    if (type == Object.class) {
      o = Values.toObject(v);
    } else if (type == String.class) {
      o = Values.toText(v);
    } else if (type == Long.class) {
      o = Values.toLong(v);
    } else if (type == Integer.class) {
      o = getInt(i);
    } else if (type == Short.class) {
      o = getShort(i);
    } else if (type == Byte.class) {
      o = getByte(i);
    } else if (type == Double.class) {
      o = Values.toDouble(v);
    } else if (type == Float.class) {
      o = (float) Values.toDouble(v);
    } else if (type == Boolean.class) {
      o = Values.toBoolean(v);
    } else if (type == BigDecimal.class) {
      o = Values.toBigDecimal(v);
    } else if (type == BigInteger.class) {
      o = Values.toBigDecimal(v).toBigInteger();
    } else if (type == byte[].class) {
      o = Values.toBytes(v);
    } else if (type == Timestamp.class) {
      o = getTimestamp(i);
    } else if (type == Date.class) {
      o = getDate(i);
    } else if (type == Time.class) {
      o = getTime(i);
    } else if (type == LocalDateTime.class) {
      o = getTimestamp(i).toLocalDateTime();
    } else if (type == LocalDate.class) {
      o = getDate(i).toLocalDate();
    } else if (type == LocalTime.class) {
      o = getTime(i).toLocalTime();
    } else if (type == UUID.class) {
      try {
        o = UUID.fromString(Values.toText(v));
      } catch (IllegalArgumentException e) {
        throw Values.notA("UUID", v);
      }
    } else {
      throw unsupported("getObject as " + type.getName());
    }
    return (T) o;
  }

  // By label: the same getters after findColumn.

  @Override
  public String getString(String c) throws SQLException {
    return getString(findColumn(c));
  }

  @Override
  public boolean getBoolean(String c) throws SQLException {
    return getBoolean(findColumn(c));
  }

  @Override
  public byte getByte(String c) throws SQLException {
    return getByte(findColumn(c));
  }

  @Override
  public short getShort(String c) throws SQLException {
    return getShort(findColumn(c));
  }

  @Override
  public int getInt(String c) throws SQLException {
    return getInt(findColumn(c));
  }

  @Override
  public long getLong(String c) throws SQLException {
    return getLong(findColumn(c));
  }

  @Override
  public float getFloat(String c) throws SQLException {
    return getFloat(findColumn(c));
  }

  @Override
  public double getDouble(String c) throws SQLException {
    return getDouble(findColumn(c));
  }

  @Override
  public BigDecimal getBigDecimal(String c) throws SQLException {
    return getBigDecimal(findColumn(c));
  }

  @Override
  public byte[] getBytes(String c) throws SQLException {
    return getBytes(findColumn(c));
  }

  @Override
  public Date getDate(String c) throws SQLException {
    return getDate(findColumn(c));
  }

  @Override
  public Time getTime(String c) throws SQLException {
    return getTime(findColumn(c));
  }

  @Override
  public Timestamp getTimestamp(String c) throws SQLException {
    return getTimestamp(findColumn(c));
  }

  @Override
  public InputStream getBinaryStream(String c) throws SQLException {
    return getBinaryStream(findColumn(c));
  }

  @Override
  public Reader getCharacterStream(String c) throws SQLException {
    return getCharacterStream(findColumn(c));
  }

  @Override
  public Object getObject(String c) throws SQLException {
    return getObject(findColumn(c));
  }

  @Override
  public <T> T getObject(String c, Class<T> type) throws SQLException {
    return getObject(findColumn(c), type);
  }

  // Cursor and result set properties.

  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    checkOpen();
    return metaData;
  }

  @Override
  public Statement getStatement() throws SQLException {
    checkOpen();
    return statement;
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    checkOpen();
    return null;
  }

  @Override
  public void clearWarnings() throws SQLException {
    checkOpen();
  }

  @Override
  public int getRow() throws SQLException {
    checkOpen();
    return row >= 0 && row < rowCount() ? row + 1 : 0;
  }

  @Override
  public boolean isBeforeFirst() throws SQLException {
    checkOpen();
    return row < 0 && rowCount() > 0;
  }

  @Override
  public boolean isAfterLast() throws SQLException {
    checkOpen();
    return row >= rowCount() && rowCount() > 0;
  }

  @Override
  public boolean isFirst() throws SQLException {
    checkOpen();
    return row == 0 && rowCount() > 0;
  }

  @Override
  public boolean isLast() throws SQLException {
    checkOpen();
    return row == rowCount() - 1 && rowCount() > 0;
  }

  @Override
  public int getType() throws SQLException {
    checkOpen();
    return ResultSet.TYPE_FORWARD_ONLY;
  }

  @Override
  public int getConcurrency() throws SQLException {
    checkOpen();
    return ResultSet.CONCUR_READ_ONLY;
  }

  @Override
  public int getHoldability() throws SQLException {
    checkOpen();
    return ResultSet.HOLD_CURSORS_OVER_COMMIT;
  }

  @Override
  public int getFetchDirection() throws SQLException {
    checkOpen();
    return ResultSet.FETCH_FORWARD;
  }

  @Override
  public void setFetchDirection(int direction) throws SQLException {
    checkOpen();
    if (direction != ResultSet.FETCH_FORWARD) {
      throw unsupported("fetch directions other than FETCH_FORWARD (result sets are forward-only)");
    }
  }

  @Override
  public int getFetchSize() throws SQLException {
    checkOpen();
    return fetchSize;
  }

  @Override
  public void setFetchSize(int rows) throws SQLException {
    checkOpen();
    if (rows < 0) {
      throw new SQLException("fetch size must not be negative", "22023");
    }
    fetchSize = rows;
  }

  @Override
  public boolean rowUpdated() throws SQLException {
    checkOpen();
    return false;
  }

  @Override
  public boolean rowInserted() throws SQLException {
    checkOpen();
    return false;
  }

  @Override
  public boolean rowDeleted() throws SQLException {
    checkOpen();
    return false;
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface.getName(), "HY000");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  @Override
  public String toString() {
    return "ShardliteResultSet" + result.getColumnsList() + " " + rowCount() + " rows"
        + (closed ? " (closed)" : "");
  }
}
