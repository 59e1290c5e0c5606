package io.shardlite.common.launch;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started from a {@link JavaProcessSpec}. Every wait is bounded. Children still alive
 * when this JVM exits normally are SIGKILLed by a shutdown hook, so a crashed test run does not
 * leave servers behind (a SIGKILLed parent cannot clean up, of course).
 */
public final class ManagedProcess implements AutoCloseable {
  /** How long {@link #kill9()} waits for the process to disappear after SIGKILL. */
  public static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private static final Set<ManagedProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> LIVE.forEach(p -> p.process.destroyForcibly()), "managed-process-reaper"));
  }

  private final JavaProcessSpec spec;
  private final Process process;

  private ManagedProcess(JavaProcessSpec spec, Process process) {
    this.spec = spec;
    this.process = process;
  }

  /**
   * Starts the child. Writes a one-line header with the command to the log file first, then
   * appends the child's stdout and stderr to it. The child's stdin is closed.
   *
   * @throws UncheckedIOException if the log file cannot be written or the JVM cannot be started
   */
  public static ManagedProcess start(JavaProcessSpec spec) {
    List<String> command = spec.command();
    Path log = spec.logFile().toAbsolutePath();
    try {
      if (log.getParent() != null) {
        Files.createDirectories(log.getParent());
      }
      String header =
          "# " + Instant.now() + " starting " + spec.name() + ": " + String.join(" ", command)
              + System.lineSeparator();
      Files.writeString(
          log, header, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.environment().putAll(spec.env());
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process process = pb.start();
      process.getOutputStream().close();
      ManagedProcess managed = new ManagedProcess(spec, process);
      LIVE.add(managed);
      process.onExit().thenRun(() -> LIVE.remove(managed));
      return managed;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + spec.name() + " (" + command + ")", e);
    }
  }

  public String name() {
    return spec.name();
  }

  public JavaProcessSpec spec() {
    return spec;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return spec.logFile();
  }

  /** The exit code, or empty while the process is running. */
  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** Waits up to {@code timeout} for the process to exit; true if it has exited. */
  public boolean waitForExit(Duration timeout) {
    try {
      return process.waitFor(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  /**
   * SIGKILL, then wait up to {@link #KILL_WAIT} for the process to exit.
   *
   * @throws IllegalStateException if it is still alive after that
   */
  public void kill9() {
    process.destroyForcibly();
    if (!waitForExit(KILL_WAIT)) {
      throw new IllegalStateException(
          spec.name() + " (pid " + pid() + ") still alive " + KILL_WAIT + " after SIGKILL");
    }
  }

  /** SIGTERM, wait up to {@code grace} for a clean exit, then {@link #kill9()}. */
  public void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitForExit(grace)) {
      kill9();
    }
  }

  /** {@code stop(Duration.ofSeconds(10))}. */
  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }

  /**
   * The last {@code lines} lines of the log file (reads at most its last 256 KiB), for error
   * messages. Never throws: returns a short note if the log cannot be read.
   */
  public String tail(int lines) {
    return tail(spec.logFile(), lines);
  }

  static String tail(Path file, int lines) {
    if (lines <= 0) {
      return "";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long len = raf.length();
      int chunk = (int) Math.min(len, 256 * 1024);
      byte[] bytes = new byte[chunk];
      raf.seek(len - chunk);
      raf.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8);
      List<String> all = new ArrayList<>(List.of(text.split("\r?\n", -1)));
      if (!all.isEmpty() && all.get(all.size() - 1).isEmpty()) {
        all.remove(all.size() - 1);
      }
      List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
      return String.join(System.lineSeparator(), Collections.unmodifiableList(last));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  @Override
  public String toString() {
    return "ManagedProcess[" + spec.name() + ", pid " + pid() + (isAlive() ? ", alive]" : ", exited]");
  }
}
