package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.Value;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import org.junit.jupiter.api.Test;

class ShardliteResultSetTest {
  /** Columns id, name, score, data; rows (1, 'ann', 2.5, x'01'), (2, NULL, NULL, NULL), ('3', 'cy', 4, NULL). */
  static StatementResult canned() {
    return StatementResult.newBuilder().addColumns("id").addColumns("name").addColumns("score").addColumns("data")
        .addRows(Row.newBuilder().addValues(Value.newBuilder().setInteger(1)).addValues(Value.newBuilder().setText("ann"))
            .addValues(Value.newBuilder().setReal(2.5)).addValues(Value.newBuilder().setBlob(ByteString.copyFrom(new byte[] {1}))))
        .addRows(Row.newBuilder().addValues(Value.newBuilder().setInteger(2)).addValues(Value.getDefaultInstance())
            .addValues(Value.getDefaultInstance()).addValues(Value.getDefaultInstance()))
        .addRows(Row.newBuilder().addValues(Value.newBuilder().setText("3")).addValues(Value.newBuilder().setText("cy"))
            .addValues(Value.newBuilder().setInteger(4)).addValues(Value.getDefaultInstance()))
        .build();
  }

  @Test
  void iteratesAndConverts() throws SQLException {
    ResultSet rs = new ShardliteResultSet(canned(), null, 0);
    assertThat(rs.isBeforeFirst()).isTrue();
    assertThat(rs.next()).isTrue();
    assertThat(rs.isFirst()).isTrue();
    assertThat(rs.getRow()).isEqualTo(1);
    assertThat(rs.getLong("id")).isEqualTo(1);
    assertThat(rs.getInt(1)).isEqualTo(1);
    assertThat(rs.getString("ID")).isEqualTo("1");
    assertThat(rs.getString(2)).isEqualTo("ann");
    assertThat(rs.getDouble("score")).isEqualTo(2.5);
    assertThat(rs.getBigDecimal("score")).isEqualTo(BigDecimal.valueOf(2.5));
    assertThat(rs.getLong("score")).isEqualTo(2);
    assertThat(rs.getBytes("data")).containsExactly(1);
    assertThat(rs.getObject(1)).isEqualTo(1L);
    assertThat(rs.getObject(2)).isEqualTo("ann");
    assertThat(rs.getObject(3)).isEqualTo(2.5);
    assertThat(rs.getObject(4)).isInstanceOf(byte[].class);
    assertThat(rs.getObject(1, Integer.class)).isEqualTo(1);
    assertThat(rs.getObject("score", Double.class)).isEqualTo(2.5);
    assertThat(rs.wasNull()).isFalse();

    assertThat(rs.next()).isTrue();
    assertThat(rs.getString("name")).isNull();
    assertThat(rs.wasNull()).isTrue();
    assertThat(rs.getLong("score")).isZero();
    assertThat(rs.wasNull()).isTrue();
    assertThat(rs.getObject("data")).isNull();
    assertThat(rs.getObject("data", Long.class)).isNull();
    assertThat(rs.getInt("id")).isEqualTo(2);
    assertThat(rs.wasNull()).isFalse();

    assertThat(rs.next()).isTrue();
    assertThat(rs.isLast()).isTrue();
    assertThat(rs.getLong("id")).isEqualTo(3); // text parsed as a number
    assertThat(rs.getObject("id")).isEqualTo("3"); // but getObject gives the storage class
    assertThatThrownBy(() -> rs.getLong("name")).isInstanceOf(SQLDataException.class).hasMessageContaining("'cy'");
    assertThat(rs.next()).isFalse();
    assertThat(rs.isAfterLast()).isTrue();
    assertThat(rs.next()).isFalse();
    assertThatThrownBy(() -> rs.getLong(1)).isInstanceOf(SQLException.class).hasMessageContaining("not on a row");
  }

  @Test
  void errorsForBadColumnsAndClosedSets() throws SQLException {
    ResultSet rs = new ShardliteResultSet(canned(), null, 0);
    assertThatThrownBy(() -> rs.getLong(1)).hasMessageContaining("call next() first");
    rs.next();
    assertThatThrownBy(() -> rs.getLong(5)).isInstanceOf(SQLException.class).hasMessageContaining("out of range 1..4");
    assertThatThrownBy(() -> rs.getLong("nope")).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42S22"));
    assertThatThrownBy(() -> rs.getObject(1, java.util.List.class)).isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThatThrownBy(rs::previous).isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThatThrownBy(() -> rs.updateLong(1, 2)).isInstanceOf(SQLFeatureNotSupportedException.class);
    rs.close();
    assertThat(rs.isClosed()).isTrue();
    assertThatThrownBy(rs::next).hasMessageContaining("closed");
  }

  @Test
  void maxRowsTruncates() throws SQLException {
    ResultSet rs = new ShardliteResultSet(canned(), null, 2);
    int n = 0;
    while (rs.next()) {
      n++;
    }
    assertThat(n).isEqualTo(2);
  }

  @Test
  void metadataFromTheValues() throws SQLException {
    ResultSetMetaData md = new ShardliteResultSet(canned(), null, 0).getMetaData();
    assertThat(md.getColumnCount()).isEqualTo(4);
    assertThat(md.getColumnLabel(2)).isEqualTo("name");
    assertThat(md.getColumnType(1)).isEqualTo(Types.BIGINT);
    assertThat(md.getColumnType(2)).isEqualTo(Types.VARCHAR);
    assertThat(md.getColumnType(3)).isEqualTo(Types.DOUBLE);
    assertThat(md.getColumnType(4)).isEqualTo(Types.VARBINARY);
    assertThat(md.getColumnClassName(1)).isEqualTo("java.lang.Long");
    ResultSetMetaData empty = new ShardliteResultSet(StatementResult.newBuilder().addColumns("x").build(), null, 0)
        .getMetaData();
    assertThat(empty.getColumnType(1)).isEqualTo(Types.NULL);
    assertThatThrownBy(() -> empty.getColumnType(2)).isInstanceOf(SQLException.class);
  }
}
