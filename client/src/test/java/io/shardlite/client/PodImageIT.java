package io.shardlite.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod image as the build writes it to a tar with no Docker daemon and no registry: the same
 * Jib configuration as the real image, on a stand-in base read from a local tar
 * (src/test/image/stand-in-base.tar: one empty layer; the real base, eclipse-temurin, needs a
 * registry). Checks the image config the pods rely on, and runs the CLI from the image's own
 * layers and class path file, so a jar missing from the image fails here.
 */
class PodImageIT {
  private static final Path IMAGE = Path.of("target", "pod-image-check.tar");
  private static Map<String, byte[]> outer;
  private static String config;

  @BeforeAll
  static void readImage() throws IOException {
    assertThat(IMAGE).as("written by the pod-image-check execution of jib:buildTar in the package phase").exists();
    try (InputStream in = Files.newInputStream(IMAGE)) {
      outer = Tar.read(in);
    }
    config = new String(outer.get("config.json"), StandardCharsets.UTF_8);
  }

  @Test
  void theImageConfigIsWhatThePodsExpect() {
    assertThat(config).contains("\"User\":\"65532:65532\"", "\"WorkingDir\":\"/var/lib/shardlite\"",
        "\"Volumes\":{\"/var/lib/shardlite\":{}}", "\"SHARDLITE_DATA_DIR=/var/lib/shardlite\"",
        "\"Entrypoint\":[\"java\",\"-cp\",\"@/app/jib-classpath-file\",\"io.shardlite.client.cli.ShardliteCli\"]");
    for (int port : new int[] {7000, 7001, 7002, 7100, 7101, 7102, 7201, 7202}) {
      assertThat(config).contains("\"" + port + "/tcp\"");
    }
    assertThat(config).contains("\"org.opencontainers.image.title\":\"shardlite\"");
    String manifest = new String(outer.get("manifest.json"), StandardCharsets.UTF_8);
    assertThat(manifest).contains("\"RepoTags\":[\"ghcr.io/shardlite/shardlite:" + System.getProperty(
        "shardlite.build.version", "?") + "\"]");
  }

  @Test
  void theCliRunsFromTheImagesOwnLayersAndClassPath(@TempDir Path root) throws Exception {
    String manifest = new String(outer.get("manifest.json"), StandardCharsets.UTF_8);
    Matcher layers = Pattern.compile("\"Layers\":\\[([^\\]]*)\\]").matcher(manifest);
    assertThat(layers.find()).isTrue();
    for (String layer : layers.group(1).replace("\"", "").split(",")) {
      try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(outer.get(layer)))) {
        for (Map.Entry<String, byte[]> file : Tar.read(in).entrySet()) {
          Path target = root.resolve(file.getKey()).normalize();
          assertThat(target.startsWith(root)).as("%s stays inside the image root", file.getKey()).isTrue();
          Files.createDirectories(target.getParent());
          Files.write(target, file.getValue());
        }
      }
    }
    // The class path file names absolute paths inside the image; here the image's root is a directory.
    String classPath = Files.readString(root.resolve("app/jib-classpath-file")).trim();
    List<String> entries = new ArrayList<>();
    for (String entry : classPath.split(":")) {
      Path local = root.resolve(entry.substring(1));
      assertThat(local).as("class path entry %s is in the image", entry).exists();
      entries.add(local.toString());
    }
    assertThat(entries).anyMatch(e -> e.contains("shardlite-vmaster-pod")).anyMatch(e -> e.contains("ratis-server"));

    assertThat(run(root, String.join(":", entries), "--version")).contains("shardlite");
    assertThat(run(root, String.join(":", entries), "serve", "--help")).contains("shard-server", "sequencer", "vmaster");
  }

  private static String run(Path dir, String classPath, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, "io.shardlite.client.cli.ShardliteCli"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(out).isZero();
      return out;
    } finally {
      p.destroyForcibly();
    }
  }

  /** Enough of the tar format (ustar and PAX headers) to read an image archive and its layers. */
  static final class Tar {
    private Tar() {}

    /** Regular files by path (directories, links and PAX headers skipped). */
    static Map<String, byte[]> read(InputStream in) throws IOException {
      Map<String, byte[]> files = new LinkedHashMap<>();
      byte[] header = new byte[512];
      String paxPath = null;
      while (in.readNBytes(header, 0, 512) == 512) {
        String name = field(header, 0, 100);
        if (name.isEmpty()) {
          break; // the two zero blocks at the end
        }
        String prefix = field(header, 345, 155);
        long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
        byte type = header[156];
        byte[] data = in.readNBytes((int) size);
        in.skipNBytes((512 - size % 512) % 512);
        if (type == 'x') {
          paxPath = paxValue(new String(data, StandardCharsets.UTF_8), "path");
          continue;
        }
        if (type == 'g') {
          continue;
        }
        String path = paxPath != null ? paxPath : prefix.isEmpty() ? name : prefix + "/" + name;
        paxPath = null;
        if (type == '0' || type == 0) {
          files.put(path.startsWith("/") ? path.substring(1) : path, data);
        }
      }
      return files;
    }

    private static String field(byte[] header, int offset, int length) {
      int end = offset;
      while (end < offset + length && header[end] != 0) {
        end++;
      }
      return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** PAX records are "LENGTH KEY=VALUE\n". */
    private static String paxValue(String records, String key) {
      for (String line : records.split("\n")) {
        int space = line.indexOf(' ');
        if (space > 0 && line.startsWith(key + "=", space + 1)) {
          return line.substring(space + 2 + key.length());
        }
      }
      return null;
    }
  }
}
