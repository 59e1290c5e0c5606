package io.shardlite.operator;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.shardlite.common.launch.JavaProcessSpec;
import io.shardlite.common.launch.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs pods from the operator's pod templates as local JVMs, doing what a kubelet and cluster DNS
 * would: each pod gets its own loopback address (its "pod IP"), pod DNS names map to those
 * addresses through a hosts file ({@code -Djdk.net.hosts.file} in {@code JAVA_TOOL_OPTIONS}, so
 * product code needs no switch), downward-API fields and {@code $(VAR)} references are resolved,
 * and volume mount paths become per-pod directories. The container's image entrypoint is the
 * CLI: {@code java -cp <client jar> io.shardlite.client.cli.ShardliteCli <args>}.
 */
final class LocalKubelet implements AutoCloseable {
  private static final String ENTRYPOINT = "io.shardlite.client.cli.ShardliteCli";
  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  private final Path root;
  private final Path hostsFile;
  private final String clientJar;
  private final String namespace;
  private final String subnet;
  private final java.util.function.Function<String, Map<String, String>> configMaps;
  private final Map<String, String> ipOfPod = new LinkedHashMap<>();
  private final Map<String, String> dns = new LinkedHashMap<>();
  private final Map<String, ManagedProcess> running = new LinkedHashMap<>();

  /**
   * @param subnet the first three octets of the loopback addresses to hand out, e.g. {@code 127.0.77}
   * @param configMaps a ConfigMap's data by name, as the API server has it when a pod starts
   */
  LocalKubelet(Path root, String clientJar, String namespace, String subnet,
      java.util.function.Function<String, Map<String, String>> configMaps) {
    this.configMaps = configMaps;
    this.root = root;
    this.hostsFile = root.resolve("hosts");
    this.clientJar = clientJar;
    this.namespace = namespace;
    this.subnet = subnet;
  }

  /**
   * Gives a pod its address and, when it belongs to a headless service, its DNS name. Call for
   * every pod before starting any: a JVM may cache a failed lookup.
   */
  String admit(String pod, String headlessService) {
    String ip = ipOfPod.computeIfAbsent(pod, p -> subnet + "." + (ipOfPod.size() + 1));
    if (headlessService != null) {
      dns.put(pod + "." + headlessService + "." + namespace + ".svc", ip);
    }
    StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
    dns.forEach((name, address) -> hosts.append(address).append(' ').append(name).append('\n'));
    try {
      Files.createDirectories(root);
      Files.writeString(hostsFile, hosts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ip;
  }

  /** The address a DNS name resolves to (what the test process itself uses instead of DNS). */
  String resolve(String host) {
    String ip = dns.get(host);
    if (ip == null) {
      throw new IllegalArgumentException("no pod has the DNS name " + host);
    }
    return ip;
  }

  String ip(String pod) {
    return ipOfPod.get(pod);
  }

  /** Starts the pod's first container as a process (it must have been admitted). */
  ManagedProcess start(String pod, PodTemplateSpec template) {
    String ip = ipOfPod.get(pod);
    if (ip == null) {
      throw new IllegalStateException(pod + " was not admitted");
    }
    Container container = template.getSpec().getContainers().get(0);
    Map<String, String> mounts = new LinkedHashMap<>();
    for (VolumeMount m : container.getVolumeMounts()) {
      Path dir = root.resolve("pods").resolve(pod).resolve(m.getName());
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      mounts.put(m.getMountPath(), dir.toString());
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      String value;
      if (var.getValueFrom() != null && var.getValueFrom().getConfigMapKeyRef() != null) {
        var ref = var.getValueFrom().getConfigMapKeyRef();
        value = configMaps.apply(ref.getName()).get(ref.getKey());
        if (value == null) {
          if (!Boolean.TRUE.equals(ref.getOptional())) {
            throw new IllegalStateException("ConfigMap " + ref.getName() + " has no key " + ref.getKey());
          }
          continue;
        }
      } else if (var.getValueFrom() != null) {
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        value = switch (field) {
          case "metadata.name" -> pod;
          case "metadata.namespace" -> namespace;
          case "status.podIP" -> ip;
          default -> throw new IllegalArgumentException("unsupported fieldRef " + field + " in " + var.getName());
        };
      } else {
        value = expand(var.getValue(), env);
      }
      // A path under a volume mount lives in that volume's directory.
      // Once: a mapped path (under this test's temp dir) must not be mapped again by a /tmp mount.
      for (Map.Entry<String, String> m : mounts.entrySet()) {
        if (value.equals(m.getKey()) || value.startsWith(m.getKey() + "/")) {
          value = m.getValue() + value.substring(m.getKey().length());
          break;
        }
      }
      env.put(var.getName(), value);
    }
    String tmp = mounts.getOrDefault("/tmp", root.resolve("pods").resolve(pod).toString());
    env.merge("JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hostsFile + " -Djava.io.tmpdir=" + tmp
        + " -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError",
        (mine, theirs) -> theirs + " " + mine);
    List<String> args = new ArrayList<>();
    if (container.getCommand() != null) {
      args.addAll(container.getCommand());
    }
    args.addAll(container.getArgs());
    ManagedProcess process = ManagedProcess.start(new JavaProcessSpec(pod, ENTRYPOINT, args, env, List.of(),
        root.resolve("logs").resolve(pod + ".log"), clientJar));
    running.put(pod, process);
    return process;
  }

  /** Whether the pod's readiness probe (an HTTP GET on its address) answers 200. */
  boolean ready(String pod, PodTemplateSpec template) {
    ManagedProcess process = running.get(pod);
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException(pod + " is not running: " + (process == null ? "never started"
          : process.tail(40)));
    }
    HTTPGetAction probe = template.getSpec().getContainers().get(0).getReadinessProbe().getHttpGet();
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://" + ipOfPod.get(pod) + ":"
          + probe.getPort().getIntVal() + probe.getPath()).toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGTERM (a pod's deletion: the virtual master drains), then SIGKILL after the grace period. */
  void delete(String pod, Duration grace) {
    ManagedProcess process = running.remove(pod);
    if (process != null) {
      process.stop(grace);
    }
  }

  String log(String pod) {
    ManagedProcess process = running.get(pod);
    return process == null ? "(not running)" : process.tail(60);
  }

  /** $(VAR) from the variables defined before it; $$ is a literal $ (kubelet rules). */
  static String expand(String value, Map<String, String> defined) {
    if (value == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      if (value.startsWith("$$", i)) {
        out.append('$');
        i += 2;
        continue;
      }
      Matcher m = REFERENCE.matcher(value).region(i, value.length());
      if (m.lookingAt()) {
        String name = m.group(1);
        out.append(defined.containsKey(name) ? defined.get(name) : m.group());
        i = m.end();
        continue;
      }
      out.append(value.charAt(i++));
    }
    return out.toString();
  }

  @Override
  public void close() {
    for (String pod : new ArrayList<>(running.keySet())) {
      delete(pod, Duration.ofSeconds(5));
    }
  }
}
