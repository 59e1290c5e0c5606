package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health check shipped in docs/shardcluster-health.lua, run by a Lua interpreter on
 * ShardCluster objects the way Argo CD runs it (the object as the global `obj`, a table
 * {status, message} back).
 */
class ArgoHealthLuaTest {
  private static final Path SCRIPT = Path.of(System.getProperty("shardlite.docs.dir", "../docs"))
      .resolve("shardcluster-health.lua");

  record Health(String status, String message) {}

  static Health health(Map<String, Object> obj) throws IOException {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(obj));
    LuaValue result = globals.load(Files.readString(SCRIPT), "shardcluster-health.lua").call();
    return new Health(result.get("status").tojstring(), result.get("message").optjstring(""));
  }

  private static LuaValue lua(Object o) {
    if (o instanceof Map<?, ?> m) {
      LuaTable t = new LuaTable();
      m.forEach((k, v) -> t.set(k.toString(), lua(v)));
      return t;
    } else if (o instanceof List<?> l) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < l.size(); i++) {
        t.set(i + 1, lua(l.get(i)));
      }
      return t;
    } else if (o instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    } else if (o instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return o == null ? LuaValue.NIL : LuaValue.valueOf(o.toString());
  }

  private static Map<String, Object> cluster(long generation, Map<String, Object> status) {
    return status == null
        ? Map.of("metadata", Map.of("name", "bank", "generation", generation))
        : Map.of("metadata", Map.of("name", "bank", "generation", generation), "status", status);
  }

  private static Map<String, Object> condition(String type, String status, String reason, String message) {
    return Map.of("type", type, "status", status, "reason", reason, "message", message);
  }

  @Test
  void noStatusYetIsProgressing() throws IOException {
    assertThat(health(cluster(1, null)))
        .isEqualTo(new Health("Progressing", "waiting for the operator's first reconciliation"));
    assertThat(health(cluster(1, Map.of("observedGeneration", 1)))).as("status without conditions")
        .isEqualTo(new Health("Progressing", "waiting for the operator's first reconciliation"));
  }

  @Test
  void readyAtTheCurrentGenerationIsHealthy() throws IOException {
    Health h = health(cluster(3, Map.of("observedGeneration", 3, "conditions", List.of(
        condition("Ready", "True", "AllReady", "3/3 shard pods, 3/3 sequencer, 2/2 virtual masters"),
        condition("Progressing", "False", "Stable", ""),
        condition("Degraded", "False", "Healthy", "")))));
    assertThat(h.status()).isEqualTo("Healthy");
    assertThat(h.message()).isEqualTo("3/3 shard pods, 3/3 sequencer, 2/2 virtual masters");
  }

  @Test
  void readyButForAnOlderGenerationIsProgressing() throws IOException {
    Health h = health(cluster(4, Map.of("observedGeneration", 3, "conditions", List.of(
        condition("Ready", "True", "AllReady", "")))));
    assertThat(h).isEqualTo(new Health("Progressing", "waiting for the operator to observe generation 4"));
    assertThat(health(cluster(4, Map.of("conditions", List.of(condition("Ready", "True", "AllReady", ""))))).status())
        .as("no observedGeneration at all").isEqualTo("Progressing");
  }

  @Test
  void degradedWinsOverReady() throws IOException {
    Health h = health(cluster(2, Map.of("observedGeneration", 2, "conditions", List.of(
        condition("Ready", "True", "AllReady", ""),
        condition("Degraded", "True", "ScaleInBelowReplicationFactor", "shardPods.replicas 2 < replicationFactor 3")))));
    assertThat(h).isEqualTo(new Health("Degraded",
        "ScaleInBelowReplicationFactor: shardPods.replicas 2 < replicationFactor 3"));
  }

  @Test
  void notReadyYetIsProgressingWithItsReason() throws IOException {
    Health h = health(cluster(1, Map.of("observedGeneration", 1, "conditions", List.of(
        condition("Ready", "False", "PodsStarting", "1/3 shard pods ready")))));
    assertThat(h).isEqualTo(new Health("Progressing", "PodsStarting: 1/3 shard pods ready"));
    assertThat(health(cluster(1, Map.of("observedGeneration", 1, "conditions", List.of(
        condition("Progressing", "True", "Creating", ""))))))
        .isEqualTo(new Health("Progressing", "no Ready condition yet"));
  }
}
