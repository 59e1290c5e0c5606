package io.shardlite.client.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.*;
import java.util.Calendar;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * Every method of {@link Connection} answering "not supported" ({@link SQLFeatureNotSupportedException},
 * SQLState 0A000); the shardlite class extending it overrides what it supports.
 * Generated from the interface so that nothing unsupported passes silently.
 */
abstract class ConnectionBase implements Connection {
  static SQLFeatureNotSupportedException unsupported(String what) {
    return new SQLFeatureNotSupportedException("shardlite JDBC does not support " + what, "0A000");
  }

  @Override
  public void abort(Executor a0) throws SQLException {
    throw unsupported("abort");
  }

  @Override
  public void clearWarnings() throws SQLException {
    throw unsupported("clearWarnings");
  }

  @Override
  public void close() throws SQLException {
    throw unsupported("close");
  }

  @Override
  public void commit() throws SQLException {
    throw unsupported("commit");
  }

  @Override
  public Array createArrayOf(String a0, Object[] a1) throws SQLException {
    throw unsupported("createArrayOf");
  }

  @Override
  public Blob createBlob() throws SQLException {
    throw unsupported("createBlob");
  }

  @Override
  public Clob createClob() throws SQLException {
    throw unsupported("createClob");
  }

  @Override
  public NClob createNClob() throws SQLException {
    throw unsupported("createNClob");
  }

  @Override
  public SQLXML createSQLXML() throws SQLException {
    throw unsupported("createSQLXML");
  }

  @Override
  public Statement createStatement() throws SQLException {
    throw unsupported("createStatement");
  }

  @Override
  public Statement createStatement(int a0, int a1, int a2) throws SQLException {
    throw unsupported("createStatement");
  }

  @Override
  public Statement createStatement(int a0, int a1) throws SQLException {
    throw unsupported("createStatement");
  }

  @Override
  public Struct createStruct(String a0, Object[] a1) throws SQLException {
    throw unsupported("createStruct");
  }

  @Override
  public boolean getAutoCommit() throws SQLException {
    throw unsupported("getAutoCommit");
  }

  @Override
  public String getCatalog() throws SQLException {
    throw unsupported("getCatalog");
  }

  @Override
  public Properties getClientInfo() throws SQLException {
    throw unsupported("getClientInfo");
  }

  @Override
  public String getClientInfo(String a0) throws SQLException {
    throw unsupported("getClientInfo");
  }

  @Override
  public int getHoldability() throws SQLException {
    throw unsupported("getHoldability");
  }

  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    throw unsupported("getMetaData");
  }

  @Override
  public int getNetworkTimeout() throws SQLException {
    throw unsupported("getNetworkTimeout");
  }

  @Override
  public String getSchema() throws SQLException {
    throw unsupported("getSchema");
  }

  @Override
  public int getTransactionIsolation() throws SQLException {
    throw unsupported("getTransactionIsolation");
  }

  @Override
  public Map<String, Class<?>> getTypeMap() throws SQLException {
    throw unsupported("getTypeMap");
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    throw unsupported("getWarnings");
  }

  @Override
  public boolean isClosed() throws SQLException {
    throw unsupported("isClosed");
  }

  @Override
  public boolean isReadOnly() throws SQLException {
    throw unsupported("isReadOnly");
  }

  @Override
  public boolean isValid(int a0) throws SQLException {
    throw unsupported("isValid");
  }

  @Override
  public boolean isWrapperFor(Class<?> a0) throws SQLException {
    throw unsupported("isWrapperFor");
  }

  @Override
  public String nativeSQL(String a0) throws SQLException {
    throw unsupported("nativeSQL");
  }

  @Override
  public CallableStatement prepareCall(String a0, int a1, int a2, int a3) throws SQLException {
    throw unsupported("prepareCall");
  }

  @Override
  public CallableStatement prepareCall(String a0, int a1, int a2) throws SQLException {
    throw unsupported("prepareCall");
  }

  @Override
  public CallableStatement prepareCall(String a0) throws SQLException {
    throw unsupported("prepareCall");
  }

  @Override
  public PreparedStatement prepareStatement(String a0, int[] a1) throws SQLException {
    throw unsupported("prepareStatement");
  }

  @Override
  public PreparedStatement prepareStatement(String a0, String[] a1) throws SQLException {
    throw unsupported("prepareStatement");
  }

  @Override
  public PreparedStatement prepareStatement(String a0, int a1, int a2, int a3) throws SQLException {
    throw unsupported("prepareStatement");
  }

  @Override
  public PreparedStatement prepareStatement(String a0, int a1, int a2) throws SQLException {
    throw unsupported("prepareStatement");
  }

  @Override
  public PreparedStatement prepareStatement(String a0, int a1) throws SQLException {
    throw unsupported("prepareStatement");
  }

  @Override
  public PreparedStatement prepareStatement(String a0) throws SQLException {
    throw unsupported("prepareStatement");
  }

  @Override
  public void releaseSavepoint(Savepoint a0) throws SQLException {
    throw unsupported("releaseSavepoint");
  }

  @Override
  public void rollback() throws SQLException {
    throw unsupported("rollback");
  }

  @Override
  public void rollback(Savepoint a0) throws SQLException {
    throw unsupported("rollback");
  }

  @Override
  public void setAutoCommit(boolean a0) throws SQLException {
    throw unsupported("setAutoCommit");
  }

  @Override
  public void setCatalog(String a0) throws SQLException {
    throw unsupported("setCatalog");
  }

  @Override
  public void setClientInfo(String a0, String a1) throws SQLClientInfoException {
    throw new SQLClientInfoException("shardlite JDBC does not support setClientInfo", Map.of());
  }

  @Override
  public void setClientInfo(Properties a0) throws SQLClientInfoException {
    throw new SQLClientInfoException("shardlite JDBC does not support setClientInfo", Map.of());
  }

  @Override
  public void setHoldability(int a0) throws SQLException {
    throw unsupported("setHoldability");
  }

  @Override
  public void setNetworkTimeout(Executor a0, int a1) throws SQLException {
    throw unsupported("setNetworkTimeout");
  }

  @Override
  public void setReadOnly(boolean a0) throws SQLException {
    throw unsupported("setReadOnly");
  }

  @Override
  public Savepoint setSavepoint() throws SQLException {
    throw unsupported("setSavepoint");
  }

  @Override
  public Savepoint setSavepoint(String a0) throws SQLException {
    throw unsupported("setSavepoint");
  }

  @Override
  public void setSchema(String a0) throws SQLException {
    throw unsupported("setSchema");
  }

  @Override
  public void setTransactionIsolation(int a0) throws SQLException {
    throw unsupported("setTransactionIsolation");
  }

  @Override
  public void setTypeMap(Map<String, Class<?>> a0) throws SQLException {
    throw unsupported("setTypeMap");
  }

  @Override
  public <T> T unwrap(Class<T> a0) throws SQLException {
    throw unsupported("unwrap");
  }
}
