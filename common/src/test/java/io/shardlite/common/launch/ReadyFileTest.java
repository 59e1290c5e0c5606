package io.shardlite.common.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadyFileTest {
  @TempDir Path dir;

  @Test
  void writeThenReadRoundTripsInOrder() throws Exception {
    Path file = dir.resolve("sub").resolve("ready");
    Map<String, String> values = new LinkedHashMap<>();
    values.put("grpc.port", "7001");
    values.put("ratis.port", "7002");
    values.put("url", "http://127.0.0.1:7003/metrics?a=b");
    values.put("empty", "");

    ReadyFile.write(file, values);

    assertThat(ReadyFile.read(file)).containsExactlyEntriesOf(values);
    assertThat(Files.readString(file))
        .isEqualTo("grpc.port=7001\nratis.port=7002\nurl=http://127.0.0.1:7003/metrics?a=b\nempty=\n");
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file); // no temp files left behind
    }
  }

  @Test
  void writeReplacesExistingFile() {
    Path file = dir.resolve("ready");
    ReadyFile.write(file, Map.of("a", "1", "b", "2"));
    ReadyFile.write(file, Map.of("c", "3"));
    assertThat(ReadyFile.read(file)).containsExactly(Map.entry("c", "3"));
  }

  @Test
  void readIgnoresCommentsAndBlankLinesAndMissingFile() throws Exception {
    Path file = dir.resolve("ready");
    assertThat(ReadyFile.read(file)).isEmpty();
    Files.writeString(file, "# comment\n\n k =v=w\r\n");
    assertThat(ReadyFile.read(file)).containsExactly(Map.entry("k", "v=w"));
    Files.writeString(file, "no-equals-sign\n");
    assertThatThrownBy(() -> ReadyFile.read(file))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("malformed");
  }

  @Test
  void rejectsKeysAndValuesThatWouldBreakTheFormat() {
    Path file = dir.resolve("ready");
    assertThatThrownBy(() -> ReadyFile.write(file, Map.of("a=b", "1")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReadyFile.write(file, Map.of("", "1")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReadyFile.write(file, Map.of("a", "1\n2")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void awaitWithoutProcessWaitsForFileOrDeadline() throws Exception {
    Path file = dir.resolve("ready");
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> ReadyFile.write(file, Map.of("pid", "42")),
            CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));
    assertThat(ReadyFile.await(file, null, Duration.ofSeconds(5))).containsEntry("pid", "42");
    writer.get(5, TimeUnit.SECONDS);

    assertThatThrownBy(() -> ReadyFile.await(dir.resolve("never"), null, Duration.ofMillis(100)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("did not appear within PT0.1S");
  }
}
