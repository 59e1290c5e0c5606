package io.shardlite.common.shard;

import com.google.protobuf.ByteString;
import io.shardlite.proto.Statement;
import io.shardlite.proto.Value;

/** Builds wire statements and values from plain Java values. */
public final class Statements {
  private Statements() {}

  /** A statement with positional parameters: null, Integer/Long, Float/Double, String, byte[]. */
  public static Statement of(String sql, Object... params) {
    Statement.Builder b = Statement.newBuilder().setSql(sql);
    for (Object p : params) {
      b.addParams(value(p));
    }
    return b.build();
  }

  public static Value value(Object o) {
    if (o == null) {
      return Value.getDefaultInstance();
    } else if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
      return Value.newBuilder().setInteger(((Number) o).longValue()).build();
    } else if (o instanceof Number n) {
      return Value.newBuilder().setReal(n.doubleValue()).build();
    } else if (o instanceof byte[] bytes) {
      return Value.newBuilder().setBlob(ByteString.copyFrom(bytes)).build();
    } else if (o instanceof String s) {
      return Value.newBuilder().setText(s).build();
    }
    throw new IllegalArgumentException("unsupported SQL parameter type " + o.getClass().getName());
  }

  /** The value as a Java object (Long, Double, String, byte[] or null). */
  public static Object toJava(Value v) {
    return switch (v.getKindCase()) {
      case INTEGER -> v.getInteger();
      case REAL -> v.getReal();
      case TEXT -> v.getText();
      case BLOB -> v.getBlob().toByteArray();
      case KIND_NOT_SET -> null;
    };
  }
}
