package io.shardlite.client.jdbc;

import com.google.protobuf.ByteString;
import io.shardlite.proto.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.temporal.TemporalAccessor;
import java.util.UUID;

/**
 * Conversions between Java objects and shardlite {@link Value}s (SQLite's storage classes:
 * INTEGER, REAL, TEXT, BLOB, NULL).
 *
 * <p>To a value: integral numbers and booleans become INTEGER (true = 1), float and double REAL,
 * byte[] BLOB, null NULL; BigDecimal, BigInteger, UUID, java.time values, java.sql.Date/Time/
 * Timestamp and Strings become TEXT (their {@code toString()}; dates are ISO-8601, so they sort).
 * Other types are refused rather than guessed.
 *
 * <p>From a value, getters convert like SQLite would: text is parsed as a number where a number is
 * asked for (an unparsable text is a 22018 error), a real asked for as a long is truncated, a
 * blob is only a blob, bytes or (UTF-8) text.
 */
public final class Values {
  private Values() {}

  public static Value of(Object o) throws SQLException {
    if (o == null) {
      return Value.getDefaultInstance();
    } else if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
      return Value.newBuilder().setInteger(((Number) o).longValue()).build();
    } else if (o instanceof Boolean b) {
      return Value.newBuilder().setInteger(b ? 1 : 0).build();
    } else if (o instanceof Double || o instanceof Float) {
      return Value.newBuilder().setReal(((Number) o).doubleValue()).build();
    } else if (o instanceof byte[] b) {
      return Value.newBuilder().setBlob(ByteString.copyFrom(b)).build();
    } else if (o instanceof String s) {
      return text(s);
    } else if (o instanceof BigDecimal d) {
      return text(d.toPlainString());
    } else if (o instanceof BigInteger || o instanceof UUID || o instanceof Character || o instanceof TemporalAccessor
        || o instanceof Date || o instanceof Time) {
      return text(o.toString());
    } else if (o instanceof Timestamp t) {
      return text(t.toLocalDateTime().toString());
    } else if (o instanceof Value v) {
      return v;
    }
    throw new SQLFeatureNotSupportedException("shardlite cannot bind a " + o.getClass().getName()
        + " (supported: numbers, Boolean, String, byte[], BigDecimal, BigInteger, UUID, java.time and java.sql dates, null)",
        "0A000");
  }

  public static Value text(String s) {
    return Value.newBuilder().setText(s).build();
  }

  /** The value as getObject returns it: Long, Double, String, byte[] or null. */
  public static Object toObject(Value v) {
    return switch (v.getKindCase()) {
      case INTEGER -> v.getInteger();
      case REAL -> v.getReal();
      case TEXT -> v.getText();
      case BLOB -> v.getBlob().toByteArray();
      case KIND_NOT_SET -> null;
    };
  }

  public static boolean isNull(Value v) {
    return v.getKindCase() == Value.KindCase.KIND_NOT_SET;
  }

  public static String toText(Value v) {
    return switch (v.getKindCase()) {
      case INTEGER -> Long.toString(v.getInteger());
      case REAL -> Double.toString(v.getReal());
      case TEXT -> v.getText();
      case BLOB -> v.getBlob().toString(StandardCharsets.UTF_8);
      case KIND_NOT_SET -> null;
    };
  }

  /** 0 for NULL (check wasNull). */
  public static long toLong(Value v) throws SQLException {
    switch (v.getKindCase()) {
      case INTEGER:
        return v.getInteger();
      case REAL:
        return (long) v.getReal();
      case TEXT: {
        String s = v.getText().trim();
        try {
          return Long.parseLong(s);
        } catch (NumberFormatException e) {
          try {
            return new BigDecimal(s).longValue();
          } catch (NumberFormatException e2) {
            throw notA("number", v);
          }
        }
      }
      case BLOB:
        throw notA("number", v);
      default:
        return 0;
    }
  }

  /** 0 for NULL (check wasNull). */
  public static double toDouble(Value v) throws SQLException {
    switch (v.getKindCase()) {
      case INTEGER:
        return v.getInteger();
      case REAL:
        return v.getReal();
      case TEXT:
        try {
          return Double.parseDouble(v.getText().trim());
        } catch (NumberFormatException e) {
          throw notA("number", v);
        }
      case BLOB:
        throw notA("number", v);
      default:
        return 0;
    }
  }

  public static BigDecimal toBigDecimal(Value v) throws SQLException {
    switch (v.getKindCase()) {
      case INTEGER:
        return BigDecimal.valueOf(v.getInteger());
      case REAL:
        return BigDecimal.valueOf(v.getReal());
      case TEXT:
        try {
          return new BigDecimal(v.getText().trim());
        } catch (NumberFormatException e) {
          throw notA("number", v);
        }
      case BLOB:
        throw notA("number", v);
      default:
        return null;
    }
  }

  /** Numbers: non-zero is true; text: true/false/yes/no/on/off or a number. false for NULL. */
  public static boolean toBoolean(Value v) throws SQLException {
    switch (v.getKindCase()) {
      case INTEGER:
        return v.getInteger() != 0;
      case REAL:
        return v.getReal() != 0;
      case TEXT: {
        String s = v.getText().trim().toLowerCase(java.util.Locale.ROOT);
        switch (s) {
          case "true", "t", "yes", "y", "on":
            return true;
          case "false", "f", "no", "n", "off", "":
            return false;
          default:
            return toDouble(v) != 0;
        }
      }
      case BLOB:
        throw notA("boolean", v);
      default:
        return false;
    }
  }

  public static byte[] toBytes(Value v) {
    return switch (v.getKindCase()) {
      case BLOB -> v.getBlob().toByteArray();
      case KIND_NOT_SET -> null;
      default -> toText(v).getBytes(StandardCharsets.UTF_8);
    };
  }

  /** Text in ISO form (yyyy-MM-dd[ T]HH:mm:ss[.f]) or an integer of milliseconds since the epoch. */
  public static Timestamp toTimestamp(Value v) throws SQLException {
    switch (v.getKindCase()) {
      case INTEGER:
        return new Timestamp(v.getInteger());
      case TEXT: {
        String s = v.getText().trim().replace('T', ' ');
        try {
          return s.length() == 10 ? Timestamp.valueOf(s + " 00:00:00") : Timestamp.valueOf(s);
        } catch (IllegalArgumentException e) {
          throw notA("timestamp", v);
        }
      }
      case KIND_NOT_SET:
        return null;
      default:
        throw notA("timestamp", v);
    }
  }

  static SQLException notA(String what, Value v) {
    String shown = String.valueOf(v.getKindCase() == Value.KindCase.BLOB ? "a blob of " + v.getBlob().size() + " bytes"
        : "'" + toText(v) + "'");
    return new SQLDataException("cannot read " + shown + " as a " + what, "22018");
  }
}
