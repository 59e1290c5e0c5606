package io.shardlite.shard.state;

import com.google.protobuf.ByteString;
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

  static Value read(ResultSet rs, int column) throws SQLException {
    Object o = rs.getObject(column);
    if (o == null) {
      return Value.getDefaultInstance();
    } else if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
      return Value.newBuilder().setInteger(((Number) o).longValue()).build();
    } else if (o instanceof Number n) {
      return Value.newBuilder().setReal(n.doubleValue()).build();
    } else if (o instanceof byte[] b) {
      return Value.newBuilder().setBlob(ByteString.copyFrom(b)).build();
    } else {
      return Value.newBuilder().setText(o.toString()).build();
    }
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
