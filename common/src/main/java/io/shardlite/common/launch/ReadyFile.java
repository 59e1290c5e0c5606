package io.shardlite.common.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Readiness handshake between a parent and a child process through a small file of {@code
 * key=value} lines (e.g. {@code grpc.port}, {@code metrics.port}, {@code ratis.port}, {@code pid}).
 * The child calls {@link #write} once it is ready to serve; the write is atomic (temporary file +
 * {@code ATOMIC_MOVE} rename), so the parent never sees a partial file. The parent calls {@link
 * #await}. The parent should delete a stale file before starting the child.
 *
 * <p>Format: one {@code key=value} per line, split at the first {@code '='}; blank lines and lines
 * starting with {@code '#'} are ignored. Keys must be non-empty and contain no {@code '='}; keys
 * and values must not contain line breaks. No escaping.
 */
public final class ReadyFile {
  /** Poll interval of {@link #await}. */
  public static final Duration POLL = Duration.ofMillis(50);

  private ReadyFile() {}

  /** Atomically writes {@code values} (in iteration order) to {@code file}. */
  public static void write(Path file, Map<String, String> values) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (key == null || key.isBlank() || key.contains("=") || hasLineBreak(key)) {
        throw new IllegalArgumentException("bad ready-file key: '" + key + "'");
      }
      if (value == null || hasLineBreak(value)) {
        throw new IllegalArgumentException("bad ready-file value for " + key + ": '" + value + "'");
      }
      sb.append(key.strip()).append('=').append(value).append('\n');
    }
    Path target = file.toAbsolutePath();
    Path tmp =
        target.resolveSibling(
            target.getFileName() + ".tmp." + ProcessHandle.current().pid() + "." + System.nanoTime());
    try {
      if (target.getParent() != null) {
        Files.createDirectories(target.getParent());
      }
      Files.writeString(tmp, sb, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort
      }
      throw new UncheckedIOException("cannot write ready file " + target, e);
    }
  }

  /** Parses {@code file}; empty if it does not exist. Keys are in file order. */
  public static Map<String, String> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ready file " + file, e);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : lines) {
      if (line.isBlank() || line.strip().startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalStateException("malformed line in ready file " + file + ": '" + line + "'");
      }
      values.put(line.substring(0, eq).strip(), line.substring(eq + 1));
    }
    return Collections.unmodifiableMap(values);
  }

  /**
   * Polls every {@link #POLL} until {@code file} exists and returns its contents.
   *
   * @param proc the child that will write the file; if it exits before the file appears, fails
   *     at once. May be {@code null} (no liveness check, only the deadline).
   * @throws IllegalStateException if the process died, the deadline passed, or the thread was
   *     interrupted (interrupt flag restored); the message includes the last 40 log lines
   */
  public static Map<String, String> await(Path file, ManagedProcess proc, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (Files.exists(file)) {
        return read(file);
      }
      if (proc != null && !proc.isAlive()) {
        if (Files.exists(file)) {
          return read(file);
        }
        throw failure(
            proc,
            proc.name() + " (pid " + proc.pid() + ") exited with code "
                + proc.exitCode().orElse(-1) + " before writing ready file " + file);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw failure(proc, "ready file " + file + " did not appear within " + timeout
            + (proc == null ? "" : " (" + proc.name() + ", pid " + proc.pid() + " is still running)"));
      }
      try {
        Thread.sleep(Math.max(1, Math.min(POLL.toMillis(), left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for ready file " + file, e);
      }
    }
  }

  private static IllegalStateException failure(ManagedProcess proc, String message) {
    if (proc == null) {
      return new IllegalStateException(message);
    }
    return new IllegalStateException(
        message + "; last log lines of " + proc.logFile() + ":" + System.lineSeparator()
            + proc.tail(40));
  }

  private static boolean hasLineBreak(String s) {
    return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
  }
}
