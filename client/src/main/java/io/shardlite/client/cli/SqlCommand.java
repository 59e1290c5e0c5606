package io.shardlite.client.cli;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.StatementResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardlite sql}: runs SQL through a virtual master (one-shot, or a shell reading statements
 * from standard input, one per line). Each statement is one transaction placed by its shard key
 * ({@code --key}) or an explicit shard; DDL runs on every shard.
 */
@Command(name = "sql", mixinStandardHelpOptions = true, description = "Run SQL through a virtual master (one-shot or interactive).")
final class SqlCommand implements Callable<Integer> {
  @Option(names = {"-s", "--server"}, required = true,
      description = "Virtual master client endpoint(s) host:port[,host:port...] (shardlite local prints them).")
  String server;

  @Option(names = {"-k", "--key"}, defaultValue = "", description = "Shard key that places the statements (default: empty key).")
  String key;

  @Option(names = "--shard", description = "Run on this shard number instead of the key's shard.")
  Integer shard;

  @Option(names = "--follower", description = "Serve reads from any replica within a staleness bound.")
  boolean follower;

  @Option(names = "--max-lag-ms", defaultValue = "1000", description = "Staleness bound of --follower reads (default ${DEFAULT-VALUE}).")
  long maxLagMs;

  @Option(names = "--timeout-ms", defaultValue = "10000", description = "Transaction deadline (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Parameters(arity = "0..1", description = "SQL to run; without it, statements are read from standard input, one per line.")
  String sql;

  @Override
  public Integer call() throws Exception {
    List<String> endpoints = Arrays.stream(server.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    try (ShardliteClient client = new ShardliteClient(endpoints, Duration.ofMillis(timeoutMs))) {
      if (sql != null) {
        return run(client, sql) ? 0 : 1;
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      boolean ok = true;
      String prompt = "shardlite[" + (shard != null ? "shard " + shard : "key '" + key + "'") + "]> ";
      System.out.print(prompt);
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.isBlank()) {
          ok &= run(client, line.trim());
        }
        System.out.print(prompt);
      }
      System.out.println();
      return ok ? 0 : 1;
    }
  }

  private boolean run(ShardliteClient client, String text) {
    ExecuteRequest.Builder tx = ExecuteRequest.newBuilder().addStatements(ShardliteClient.statement(key, text))
        .setConsistency(follower ? Consistency.FOLLOWER : Consistency.LINEARIZABLE).setMaxLagMillis(maxLagMs);
    if (shard != null) {
      tx.setShard(shard);
    }
    ExecuteReply r = client.execute(tx.build());
    if (r.hasError()) {
      System.err.printf("error %s%s: %s%n", r.getError().getCode(), r.getError().getRetryable() ? " (retryable)" : "",
          r.getError().getMessage());
      return false;
    }
    for (StatementResult s : r.getResultsList()) {
      TableFormat.print(System.out, s);
    }
    return true;
  }
}
