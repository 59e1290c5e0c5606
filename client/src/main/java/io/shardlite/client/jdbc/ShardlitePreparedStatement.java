package io.shardlite.client.jdbc;

import io.shardlite.proto.Value;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;

/**
 * A prepared statement: the SQL (and its shard-key hint) is read once, parameters are bound
 * positionally ({@code ?}, 1-based) and sent with the statement; the shard prepares and caches
 * the SQL itself. Parameter conversions are those of {@link Values#of(Object)}; every parameter
 * up to the highest one set must be set (07001 otherwise).
 */
public final class ShardlitePreparedStatement extends ShardliteStatement implements PreparedStatement {
  private final SqlText.Parsed parsed;
  private final List<Value> params = new ArrayList<>();

  ShardlitePreparedStatement(ShardliteConnectionImpl connection, String sql) throws SQLException {
    super(connection);
    this.parsed = SqlText.parse(sql);
  }

  private List<Value> bound() throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      if (params.get(i) == null) {
        throw new SQLException("parameter " + (i + 1) + " is not set (parameters up to " + params.size()
            + " are used)", "07001");
      }
    }
    return List.copyOf(params);
  }

  private void set(int index, Value v) throws SQLException {
    checkOpen();
    if (index < 1) {
      throw new SQLException("parameter index " + index + " is out of range (parameters start at 1)", "07009");
    }
    while (params.size() < index) {
      params.add(null);
    }
    params.set(index - 1, v);
  }

  private void setObj(int index, Object o) throws SQLException {
    set(index, Values.of(o));
  }

  @Override
  public boolean execute() throws SQLException {
    return run(parsed, bound(), Mode.ANY);
  }

  @Override
  public ResultSet executeQuery() throws SQLException {
    run(parsed, bound(), Mode.QUERY);
    return getResultSet();
  }

  @Override
  public int executeUpdate() throws SQLException {
    return clamp(executeLargeUpdate());
  }

  @Override
  public long executeLargeUpdate() throws SQLException {
    run(parsed, bound(), Mode.UPDATE);
    return Math.max(0, getLargeUpdateCount());
  }

  @Override
  public void addBatch() throws SQLException {
    addToBatch(parsed, bound());
  }

  @Override
  public void clearParameters() throws SQLException {
    checkOpen();
    params.clear();
  }

  private static SQLException notOnPrepared() {
    return new SQLException("a PreparedStatement runs its own SQL: call execute(), executeQuery() or "
        + "executeUpdate() without SQL", "HY000");
  }

  @Override
  public boolean execute(String sql) throws SQLException {
    throw notOnPrepared();
  }

  @Override
  public ResultSet executeQuery(String sql) throws SQLException {
    throw notOnPrepared();
  }

  @Override
  public int executeUpdate(String sql) throws SQLException {
    throw notOnPrepared();
  }

  @Override
  public long executeLargeUpdate(String sql) throws SQLException {
    throw notOnPrepared();
  }

  @Override
  public void addBatch(String sql) throws SQLException {
    throw notOnPrepared();
  }

  /** Unknown before execution (column types come with the values): null, as JDBC allows. */
  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    checkOpen();
    return null;
  }

  @Override
  public ParameterMetaData getParameterMetaData() throws SQLException {
    throw unsupported("parameter metadata");
  }

  @Override
  public void setNull(int i, int sqlType) throws SQLException {
    set(i, Value.getDefaultInstance());
  }

  @Override
  public void setNull(int i, int sqlType, String typeName) throws SQLException {
    set(i, Value.getDefaultInstance());
  }

  @Override
  public void setBoolean(int i, boolean x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setByte(int i, byte x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setShort(int i, short x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setInt(int i, int x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setLong(int i, long x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setFloat(int i, float x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setDouble(int i, double x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setBigDecimal(int i, BigDecimal x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setString(int i, String x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setNString(int i, String x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setBytes(int i, byte[] x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setDate(int i, Date x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setTime(int i, Time x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setTimestamp(int i, Timestamp x) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setObject(int i, Object x) throws SQLException {
    setObj(i, x);
  }

  /** The target type is not used: the value is bound by its Java type (SQLite columns convert by affinity). */
  @Override
  public void setObject(int i, Object x, int targetSqlType) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setObject(int i, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
    setObj(i, x);
  }

  @Override
  public void setBinaryStream(int i, InputStream x) throws SQLException {
    try {
      setObj(i, x == null ? null : x.readAllBytes());
    } catch (IOException e) {
      throw new SQLException("reading the stream for parameter " + i + " failed: " + e, "HY000", e);
    }
  }

  @Override
  public void setCharacterStream(int i, Reader x) throws SQLException {
    if (x == null) {
      setObj(i, null);
      return;
    }
    try {
      StringBuilder sb = new StringBuilder();
      x.transferTo(new java.io.Writer() {
        @Override
        public void write(char[] buf, int off, int len) {
          sb.append(buf, off, len);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      });
      setObj(i, sb.toString());
    } catch (IOException e) {
      throw new SQLException("reading the reader for parameter " + i + " failed: " + e, "HY000", e);
    }
  }

  // Not supported: LOB objects, arrays, refs, row ids, XML, URLs, length-limited and ASCII streams,
  // calendar-adjusted dates.

  @Override
  public void setArray(int i, Array x) throws SQLException {
    throw unsupported("setArray");
  }

  @Override
  public void setAsciiStream(int i, InputStream x, int length) throws SQLException {
    throw unsupported("setAsciiStream");
  }

  @Override
  public void setAsciiStream(int i, InputStream x, long length) throws SQLException {
    throw unsupported("setAsciiStream");
  }

  @Override
  public void setAsciiStream(int i, InputStream x) throws SQLException {
    throw unsupported("setAsciiStream");
  }

  @Override
  public void setBinaryStream(int i, InputStream x, int length) throws SQLException {
    throw unsupported("setBinaryStream with a length (use setBinaryStream(int, InputStream) or setBytes)");
  }

  @Override
  public void setBinaryStream(int i, InputStream x, long length) throws SQLException {
    throw unsupported("setBinaryStream with a length (use setBinaryStream(int, InputStream) or setBytes)");
  }

  @Override
  public void setBlob(int i, InputStream x, long length) throws SQLException {
    throw unsupported("setBlob (use setBytes)");
  }

  @Override
  public void setBlob(int i, InputStream x) throws SQLException {
    throw unsupported("setBlob (use setBytes)");
  }

  @Override
  public void setBlob(int i, Blob x) throws SQLException {
    throw unsupported("setBlob (use setBytes)");
  }

  @Override
  public void setCharacterStream(int i, Reader x, int length) throws SQLException {
    throw unsupported("setCharacterStream with a length (use setCharacterStream(int, Reader) or setString)");
  }

  @Override
  public void setCharacterStream(int i, Reader x, long length) throws SQLException {
    throw unsupported("setCharacterStream with a length (use setCharacterStream(int, Reader) or setString)");
  }

  @Override
  public void setClob(int i, Reader x, long length) throws SQLException {
    throw unsupported("setClob (use setString)");
  }

  @Override
  public void setClob(int i, Reader x) throws SQLException {
    throw unsupported("setClob (use setString)");
  }

  @Override
  public void setClob(int i, Clob x) throws SQLException {
    throw unsupported("setClob (use setString)");
  }

  @Override
  public void setDate(int i, Date x, Calendar cal) throws SQLException {
    throw unsupported("setDate with a Calendar");
  }

  @Override
  public void setNCharacterStream(int i, Reader x, long length) throws SQLException {
    throw unsupported("setNCharacterStream");
  }

  @Override
  public void setNCharacterStream(int i, Reader x) throws SQLException {
    throw unsupported("setNCharacterStream");
  }

  @Override
  public void setNClob(int i, Reader x, long length) throws SQLException {
    throw unsupported("setNClob (use setString)");
  }

  @Override
  public void setNClob(int i, Reader x) throws SQLException {
    throw unsupported("setNClob (use setString)");
  }

  @Override
  public void setNClob(int i, NClob x) throws SQLException {
    throw unsupported("setNClob (use setString)");
  }

  @Override
  public void setRef(int i, Ref x) throws SQLException {
    throw unsupported("setRef");
  }

  @Override
  public void setRowId(int i, RowId x) throws SQLException {
    throw unsupported("setRowId");
  }

  @Override
  public void setSQLXML(int i, SQLXML x) throws SQLException {
    throw unsupported("setSQLXML");
  }

  @Override
  public void setTime(int i, Time x, Calendar cal) throws SQLException {
    throw unsupported("setTime with a Calendar");
  }

  @Override
  public void setTimestamp(int i, Timestamp x, Calendar cal) throws SQLException {
    throw unsupported("setTimestamp with a Calendar");
  }

  @Override
  public void setURL(int i, URL x) throws SQLException {
    throw unsupported("setURL (use setString)");
  }

  @Override
  @Deprecated
  public void setUnicodeStream(int i, InputStream x, int length) throws SQLException {
    throw unsupported("setUnicodeStream");
  }
}
