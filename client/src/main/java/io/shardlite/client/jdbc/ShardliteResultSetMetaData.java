package io.shardlite.client.jdbc;

import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.Value;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Column names from the result; column types from the values (SQLite is dynamically typed and the
 * reply carries no declared types): the storage class of the column's first non-NULL value,
 * INTEGER as BIGINT, REAL as DOUBLE, TEXT as VARCHAR, BLOB as VARBINARY, and NULL when every
 * value is NULL (or there are no rows).
 */
public final class ShardliteResultSetMetaData implements ResultSetMetaData {
  private final StatementResult result;
  private final Value.KindCase[] kinds;

  ShardliteResultSetMetaData(StatementResult result) {
    this.result = result;
    kinds = new Value.KindCase[result.getColumnsCount()];
    java.util.Arrays.fill(kinds, Value.KindCase.KIND_NOT_SET);
    for (Row r : result.getRowsList()) {
      boolean missing = false;
      for (int c = 0; c < kinds.length; c++) {
        if (kinds[c] == Value.KindCase.KIND_NOT_SET) {
          if (c < r.getValuesCount()) {
            kinds[c] = r.getValues(c).getKindCase();
          }
          missing |= kinds[c] == Value.KindCase.KIND_NOT_SET;
        }
      }
      if (!missing) {
        break;
      }
    }
  }

  private int check(int column) throws SQLException {
    if (column < 1 || column > kinds.length) {
      throw new SQLException("column index " + column + " is out of range 1.." + kinds.length, "07009");
    }
    return column - 1;
  }

  @Override
  public int getColumnCount() {
    return kinds.length;
  }

  @Override
  public String getColumnLabel(int column) throws SQLException {
    return result.getColumns(check(column));
  }

  @Override
  public String getColumnName(int column) throws SQLException {
    return result.getColumns(check(column));
  }

  @Override
  public int getColumnType(int column) throws SQLException {
    return switch (kinds[check(column)]) {
      case INTEGER -> Types.BIGINT;
      case REAL -> Types.DOUBLE;
      case TEXT -> Types.VARCHAR;
      case BLOB -> Types.VARBINARY;
      case KIND_NOT_SET -> Types.NULL;
    };
  }

  @Override
  public String getColumnTypeName(int column) throws SQLException {
    return switch (kinds[check(column)]) {
      case INTEGER -> "INTEGER";
      case REAL -> "REAL";
      case TEXT -> "TEXT";
      case BLOB -> "BLOB";
      case KIND_NOT_SET -> "NULL";
    };
  }

  @Override
  public String getColumnClassName(int column) throws SQLException {
    return switch (kinds[check(column)]) {
      case INTEGER -> Long.class.getName();
      case REAL -> Double.class.getName();
      case TEXT -> String.class.getName();
      case BLOB -> byte[].class.getName();
      case KIND_NOT_SET -> Object.class.getName();
    };
  }

  @Override
  public boolean isAutoIncrement(int column) throws SQLException {
    check(column);
    return false;
  }

  @Override
  public boolean isCaseSensitive(int column) throws SQLException {
    return kinds[check(column)] == Value.KindCase.TEXT;
  }

  @Override
  public boolean isSearchable(int column) throws SQLException {
    check(column);
    return true;
  }

  @Override
  public boolean isCurrency(int column) throws SQLException {
    check(column);
    return false;
  }

  @Override
  public int isNullable(int column) throws SQLException {
    check(column);
    return columnNullableUnknown;
  }

  @Override
  public boolean isSigned(int column) throws SQLException {
    Value.KindCase k = kinds[check(column)];
    return k == Value.KindCase.INTEGER || k == Value.KindCase.REAL;
  }

  @Override
  public int getColumnDisplaySize(int column) throws SQLException {
    check(column);
    return Integer.MAX_VALUE;
  }

  @Override
  public int getPrecision(int column) throws SQLException {
    return switch (kinds[check(column)]) {
      case INTEGER -> 19;
      case REAL -> 15;
      default -> 0;
    };
  }

  @Override
  public int getScale(int column) throws SQLException {
    check(column);
    return 0;
  }

  @Override
  public String getSchemaName(int column) throws SQLException {
    check(column);
    return "";
  }

  @Override
  public String getTableName(int column) throws SQLException {
    check(column);
    return "";
  }

  @Override
  public String getCatalogName(int column) throws SQLException {
    check(column);
    return "";
  }

  @Override
  public boolean isReadOnly(int column) throws SQLException {
    check(column);
    return true;
  }

  @Override
  public boolean isWritable(int column) throws SQLException {
    check(column);
    return false;
  }

  @Override
  public boolean isDefinitelyWritable(int column) throws SQLException {
    check(column);
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
}
