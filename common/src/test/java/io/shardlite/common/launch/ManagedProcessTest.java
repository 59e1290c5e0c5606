package io.shardlite.common.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTest {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final List<ManagedProcess> started = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    started.forEach(p -> p.kill9());
  }

  private ManagedProcess startSleepy(String mode, Map<String, String> env, List<String> jvmOptions) {
    JavaProcessSpec spec =
        new JavaProcessSpec(
            "sleepy-" + mode.replace(':', '-'),
            SleepyMain.class.getName(),
            List.of(dir.resolve("ready.properties").toString(), mode),
            env,
            jvmOptions,
            dir.resolve("logs").resolve("sleepy.log"));
    ManagedProcess p = ManagedProcess.start(spec);
    started.add(p);
    return p;
  }

  @Test
  void childWritesReadyFileAndStopsCleanlyOnSigterm() {
    ManagedProcess p =
        startSleepy(
            "ready",
            Map.of("SLEEPY_TOKEN", "t0k3n"),
            List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "-Dsleepy.prop=from-jvm-options"));

    Map<String, String> ready = ReadyFile.await(dir.resolve("ready.properties"), p, READY_TIMEOUT);

    assertThat(ready)
        .containsEntry("pid", Long.toString(p.pid()))
        .containsEntry("token", "t0k3n")
        .containsEntry("prop", "from-jvm-options")
        .containsEntry("args", dir.resolve("ready.properties") + ",ready");
    assertThat(p.isAlive()).isTrue();
    assertThat(p.exitCode()).isEmpty();
    assertThat(ProcessHandle.of(p.pid())).isPresent();

    p.stop(Duration.ofSeconds(10));

    assertThat(p.isAlive()).isFalse();
    assertThat(p.exitCode()).hasValue(0);
    String log = p.tail(10);
    assertThat(log).contains("starting sleepy-ready").contains(SleepyMain.class.getName());
    assertThat(log).endsWith("sleepy ready");
    assertThat(p.tail(1)).isEqualTo("sleepy ready");
  }

  @Test
  void kill9LeavesItDead() {
    ManagedProcess p = startSleepy("ready", Map.of(), List.of("-XX:TieredStopAtLevel=1"));
    ReadyFile.await(dir.resolve("ready.properties"), p, READY_TIMEOUT);
    long pid = p.pid();

    p.kill9();

    assertThat(p.isAlive()).isFalse();
    assertThat(p.exitCode()).hasValue(128 + 9);
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    p.close(); // no-op on a dead process
    p.kill9(); // idempotent
  }

  @Test
  void stopEscalatesToKill9WhenChildIgnoresSigterm() {
    ManagedProcess p = startSleepy("stubborn", Map.of(), List.of("-XX:TieredStopAtLevel=1"));
    ReadyFile.await(dir.resolve("ready.properties"), p, READY_TIMEOUT);

    long t0 = System.nanoTime();
    p.stop(Duration.ofMillis(500));

    assertThat(p.isAlive()).isFalse();
    assertThat(p.exitCode()).hasValue(128 + 9);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void awaitFailsFastWithLogTailWhenChildExitsEarly() {
    ManagedProcess p = startSleepy("exit:3", Map.of(), List.of("-XX:TieredStopAtLevel=1"));

    long t0 = System.nanoTime();
    assertThatThrownBy(() -> ReadyFile.await(dir.resolve("ready.properties"), p, READY_TIMEOUT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sleepy-exit-3")
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining("sleepy starting")
        .hasMessageContaining("sleepy failing on purpose");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    assertThat(Files.exists(dir.resolve("ready.properties"))).isFalse();
  }

  @Test
  void awaitTimesOutWhileChildIsStillRunning() {
    ManagedProcess p = startSleepy("never", Map.of(), List.of("-XX:TieredStopAtLevel=1"));

    assertThatThrownBy(
            () -> ReadyFile.await(dir.resolve("ready.properties"), p, Duration.ofMillis(300)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("did not appear within PT0.3S")
        .hasMessageContaining("still running")
        .hasMessageContaining("starting sleepy-never");
    assertThat(p.isAlive()).isTrue();
  }

  @Test
  void logIsAppendedAcrossStarts() throws Exception {
    Path log = dir.resolve("logs").resolve("sleepy.log");
    ManagedProcess first = startSleepy("exit:0", Map.of(), List.of("-XX:TieredStopAtLevel=1"));
    assertThat(first.waitForExit(READY_TIMEOUT)).isTrue();
    ManagedProcess second = startSleepy("exit:0", Map.of(), List.of("-XX:TieredStopAtLevel=1"));
    assertThat(second.waitForExit(READY_TIMEOUT)).isTrue();

    String text = Files.readString(log);
    assertThat(text.split("starting sleepy-exit-0", -1)).hasSize(3);
    assertThat(text.split("sleepy failing on purpose", -1)).hasSize(3);
    assertThat(second.tail(2)).contains("sleepy starting").contains("sleepy failing on purpose");
  }
}
