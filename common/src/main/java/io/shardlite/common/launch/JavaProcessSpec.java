package io.shardlite.common.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ManagedProcess#start} runs: {@code <java.home>/bin/java <jvmOptions> -cp <classpath>
 * <mainClass> <args>}, with {@code env} added to the inherited environment and stdout+stderr
 * appended to {@code logFile}.
 *
 * @param name human-readable name, used in log headers and error messages
 * @param mainClass fully qualified main class
 * @param args program arguments
 * @param env environment variables added to (overriding) the parent's environment
 * @param jvmOptions options before {@code -cp}, e.g. {@code -Xmx256m}, {@code -Dfoo=bar}
 * @param logFile file that receives stdout and stderr (appended; parent dirs are created)
 * @param classpath class path string; {@code null} means the current JVM's {@code
 *     java.class.path}
 */
public record JavaProcessSpec(
    String name,
    String mainClass,
    List<String> args,
    Map<String, String> env,
    List<String> jvmOptions,
    Path logFile,
    String classpath) {

  public JavaProcessSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mainClass, "mainClass");
    Objects.requireNonNull(logFile, "logFile");
    args = args == null ? List.of() : List.copyOf(args);
    env = env == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(env));
    jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
    if (classpath == null) {
      classpath = System.getProperty("java.class.path");
    }
  }

  /** Spec with the current JVM's class path. */
  public JavaProcessSpec(
      String name,
      String mainClass,
      List<String> args,
      Map<String, String> env,
      List<String> jvmOptions,
      Path logFile) {
    this(name, mainClass, args, env, jvmOptions, logFile, null);
  }

  /** Spec with no env, no JVM options and the current JVM's class path. */
  public static JavaProcessSpec of(String name, String mainClass, Path logFile, String... args) {
    return new JavaProcessSpec(name, mainClass, List.of(args), Map.of(), List.of(), logFile, null);
  }

  /** The full command line: java binary, JVM options, class path, main class, arguments. */
  public List<String> command() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    return List.copyOf(cmd);
  }
}
