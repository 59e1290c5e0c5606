package io.shardlite.common.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JavaProcessSpecTest {

  @Test
  void defaultsToCurrentClassPathAndBuildsCommand() {
    List<String> args = new ArrayList<>(List.of("x", "y"));
    Map<String, String> env = new HashMap<>(Map.of("K", "V"));
    JavaProcessSpec spec =
        new JavaProcessSpec("n", "a.Main", args, env, List.of("-Xmx1g"), Path.of("l.log"));
    args.clear();
    env.clear();

    assertThat(spec.classpath()).isEqualTo(System.getProperty("java.class.path"));
    assertThat(spec.args()).containsExactly("x", "y");
    assertThat(spec.env()).containsExactly(Map.entry("K", "V"));
    assertThat(spec.command())
        .containsExactly(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g",
            "-cp",
            System.getProperty("java.class.path"),
            "a.Main",
            "x",
            "y");
  }

  @Test
  void ofHasEmptyDefaultsAndExplicitClassPathWins() {
    JavaProcessSpec spec = JavaProcessSpec.of("n", "a.Main", Path.of("l.log"), "arg");
    assertThat(spec.env()).isEmpty();
    assertThat(spec.jvmOptions()).isEmpty();
    assertThat(spec.args()).containsExactly("arg");

    JavaProcessSpec custom =
        new JavaProcessSpec("n", "a.Main", null, null, null, Path.of("l.log"), "/x.jar");
    assertThat(custom.classpath()).isEqualTo("/x.jar");
    assertThat(custom.command()).containsSubsequence("-cp", "/x.jar", "a.Main");
  }
}
