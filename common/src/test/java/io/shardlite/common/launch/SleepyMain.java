package io.shardlite.common.launch;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Child JVM for {@link ManagedProcessTest}. Usage: {@code SleepyMain <readyFile> [mode]} where mode
 * is
 *
 * <ul>
 *   <li>{@code ready} (default): write the ready file, then sleep up to 60 s; exit 0 on SIGTERM;
 *   <li>{@code exit:N}: print an error and exit with code N without writing the ready file;
 *   <li>{@code never}: sleep up to 60 s without writing the ready file;
 *   <li>{@code stubborn}: like {@code ready}, but ignore SIGTERM (a shutdown hook that hangs).
 * </ul>
 */
public final class SleepyMain {
  private SleepyMain() {}

  public static void main(String[] args) throws Exception {
    Path readyFile = Path.of(args[0]);
    String mode = args.length > 1 ? args[1] : "ready";
    if (mode.startsWith("exit:")) {
      System.out.println("sleepy starting");
      System.err.println("sleepy failing on purpose");
      System.exit(Integer.parseInt(mode.substring("exit:".length())));
    }
    if (mode.equals("stubborn")) {
      Runtime.getRuntime().addShutdownHook(new Thread(SleepyMain::sleepQuietly));
    } else {
      // The JVM exits 143 on SIGTERM by default; halting from a hook makes it a clean 0.
      Runtime.getRuntime().addShutdownHook(new Thread(() -> Runtime.getRuntime().halt(0)));
    }
    if (!mode.equals("never")) {
      Map<String, String> values = new LinkedHashMap<>();
      values.put("pid", Long.toString(ProcessHandle.current().pid()));
      values.put("token", String.valueOf(System.getenv("SLEEPY_TOKEN")));
      values.put("prop", String.valueOf(System.getProperty("sleepy.prop")));
      values.put("args", String.join(",", args));
      ReadyFile.write(readyFile, values);
      System.out.println("sleepy ready");
    }
    sleepQuietly();
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
