package io.shardlite.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.shardlite.proto.Value;
import java.math.BigDecimal;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ValuesTest {
  private static Value i(long v) {
    return Value.newBuilder().setInteger(v).build();
  }

  private static Value r(double v) {
    return Value.newBuilder().setReal(v).build();
  }

  private static Value t(String v) {
    return Value.newBuilder().setText(v).build();
  }

  private static final Value NULL = Value.getDefaultInstance();

  @Test
  void javaToValue() throws SQLException {
    assertThat(Values.of(5)).isEqualTo(i(5));
    assertThat(Values.of(5L)).isEqualTo(i(5));
    assertThat(Values.of((short) 5)).isEqualTo(i(5));
    assertThat(Values.of(true)).isEqualTo(i(1));
    assertThat(Values.of(false)).isEqualTo(i(0));
    assertThat(Values.of(1.5)).isEqualTo(r(1.5));
    assertThat(Values.of(1.5f)).isEqualTo(r(1.5));
    assertThat(Values.of("x")).isEqualTo(t("x"));
    assertThat(Values.of(new byte[] {1, 2})).isEqualTo(Value.newBuilder().setBlob(ByteString.copyFrom(new byte[] {1, 2})).build());
    assertThat(Values.of(null)).isEqualTo(NULL);
    assertThat(Values.of(new BigDecimal("12.50"))).isEqualTo(t("12.50"));
    assertThat(Values.of(LocalDate.of(2026, 1, 2))).isEqualTo(t("2026-01-02"));
    assertThat(Values.of(Timestamp.valueOf("2026-01-02 03:04:05"))).isEqualTo(t("2026-01-02T03:04:05"));
    UUID u = UUID.randomUUID();
    assertThat(Values.of(u)).isEqualTo(t(u.toString()));
    assertThatThrownBy(() -> Values.of(new Object())).isInstanceOf(SQLFeatureNotSupportedException.class)
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void valueToObjectIsAStorageClass() {
    assertThat(Values.toObject(i(3))).isEqualTo(3L);
    assertThat(Values.toObject(r(0.25))).isEqualTo(0.25);
    assertThat(Values.toObject(t("a"))).isEqualTo("a");
    assertThat(Values.toObject(Values.text("z"))).isInstanceOf(String.class);
    assertThat((byte[]) Values.toObject(Value.newBuilder().setBlob(ByteString.copyFromUtf8("b")).build()))
        .containsExactly('b');
    assertThat(Values.toObject(NULL)).isNull();
  }

  @Test
  void numericConversions() throws SQLException {
    assertThat(Values.toLong(i(7))).isEqualTo(7);
    assertThat(Values.toLong(r(7.9))).isEqualTo(7);
    assertThat(Values.toLong(t(" 12 "))).isEqualTo(12);
    assertThat(Values.toLong(t("1e3"))).isEqualTo(1000);
    assertThat(Values.toLong(NULL)).isZero();
    assertThat(Values.toDouble(i(2))).isEqualTo(2.0);
    assertThat(Values.toDouble(t("2.5"))).isEqualTo(2.5);
    assertThat(Values.toBigDecimal(t("1.10"))).isEqualTo(new BigDecimal("1.10"));
    assertThat(Values.toBigDecimal(NULL)).isNull();
    assertThatThrownBy(() -> Values.toLong(t("abc"))).isInstanceOf(SQLDataException.class)
        .hasMessageContaining("'abc'").satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22018"));
    assertThatThrownBy(() -> Values.toDouble(Value.newBuilder().setBlob(ByteString.copyFromUtf8("1")).build()))
        .isInstanceOf(SQLDataException.class).hasMessageContaining("blob");
  }

  @Test
  void textBooleanAndBytes() throws SQLException {
    assertThat(Values.toText(i(5))).isEqualTo("5");
    assertThat(Values.toText(r(0.5))).isEqualTo("0.5");
    assertThat(Values.toText(NULL)).isNull();
    assertThat(Values.toBoolean(i(2))).isTrue();
    assertThat(Values.toBoolean(i(0))).isFalse();
    assertThat(Values.toBoolean(t("true"))).isTrue();
    assertThat(Values.toBoolean(t("no"))).isFalse();
    assertThat(Values.toBoolean(t("1"))).isTrue();
    assertThat(Values.toBoolean(NULL)).isFalse();
    assertThat(Values.toBytes(t("hi"))).containsExactly('h', 'i');
    assertThat(Values.toBytes(NULL)).isNull();
  }

  @Test
  void timestamps() throws SQLException {
    assertThat(Values.toTimestamp(t("2026-01-02 03:04:05"))).isEqualTo(Timestamp.valueOf("2026-01-02 03:04:05"));
    assertThat(Values.toTimestamp(t("2026-01-02T03:04:05.5"))).isEqualTo(Timestamp.valueOf("2026-01-02 03:04:05.5"));
    assertThat(Values.toTimestamp(t("2026-01-02"))).isEqualTo(Timestamp.valueOf("2026-01-02 00:00:00"));
    assertThat(Values.toTimestamp(i(1000))).isEqualTo(new Timestamp(1000));
    assertThat(Values.toTimestamp(NULL)).isNull();
    assertThatThrownBy(() -> Values.toTimestamp(t("yesterday"))).isInstanceOf(SQLDataException.class);
  }
}
