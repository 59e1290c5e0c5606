package io.shardlite.shard.state;

import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Value;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/** Converts between wire {@link Value}s and JDBC parameters/columns without losing SQLite's type. */
final class SqlValues {
  private SqlValues() {}

  static void bind(PreparedStatement ps, List<Value> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Value v = params.get(i);
      int pos = i + 1;
      switch (v.getKindCase()) {
        case INTEGER -> ps.setLong(pos, v.getInteger());
        case REAL -> ps.setDouble(pos, v.getReal());
        case TEXT -> ps.setString(pos, v.getText());
        case BLOB -> ps.setBytes(pos, v.getBlob().toByteArray());
        case KIND_NOT_SET -> ps.setNull(pos, Types.NULL);
      }
    }
  }

  /** sqlite-jdbc returns Integer/Long, Double, String, byte[] or null: each maps to its SQLite type. */
  static Value read(ResultSet rs, int column) throws SQLException {
    return Statements.value(rs.getObject(column));
  }

  /** A canonical, type-tagged rendering used by dumps, so 1, 1.0 and '1' never compare equal. */
  static String render(Value v) {
    return switch (v.getKindCase()) {
      case INTEGER -> "i:" + v.getInteger();
      case REAL -> "r:" + Double.toString(v.getReal());
      case TEXT -> "t:" + v.getText().replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n");
      case BLOB -> "b:" + java.util.HexFormat.of().formatHex(v.getBlob().toByteArray());
      case KIND_NOT_SET -> "null";
    };
  }
}
