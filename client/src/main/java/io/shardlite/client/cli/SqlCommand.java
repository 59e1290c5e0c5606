package io.shardlite.client.cli;

import io.shardlite.common.error.ShardliteException;
import io.shardlite.common.shard.ShardNodeClient;
import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Consistency;
import io.shardlite.proto.ShardResult;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.WriteBatch;
import io.shardlite.shard.sql.SqlPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardlite sql}: runs SQL on one shard through a shard server (one-shot, or a shell
 * reading statements from standard input). Read-only statements are reads; anything else is a
 * replicated write. Until the virtual masters exist, a statement targets one shard by number.
 */
@Command(name = "sql", mixinStandardHelpOptions = true, description = "Run SQL on a shard (one-shot or interactive).")
final class SqlCommand implements Callable<Integer> {
  @Option(names = {"-s", "--server"}, required = true, description = "Shard server gRPC endpoint host:port.")
  String server;

  @Option(names = "--shard", defaultValue = "0", description = "Shard number (default ${DEFAULT-VALUE}).")
  int shard;

  @Option(names = "--follower", description = "Serve reads from the contacted replica (bounded staleness).")
  boolean follower;

  @Option(names = "--timeout-ms", defaultValue = "10000", description = "Request deadline (default ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Parameters(arity = "0..1", description = "SQL to run; without it, statements are read from standard input, one per line.")
  String sql;

  @Override
  public Integer call() throws Exception {
    try (ShardNodeClient client = Endpoints.connect(server, Duration.ofMillis(timeoutMs))) {
      if (sql != null) {
        return run(client, sql) ? 0 : 1;
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      boolean ok = true;
      System.out.print("shardlite[" + shard + "]> ");
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.isBlank()) {
          ok &= run(client, line.trim());
        }
        System.out.print("shardlite[" + shard + "]> ");
      }
      System.out.println();
      return ok ? 0 : 1;
    }
  }

  private boolean run(ShardNodeClient client, String text) {
    try {
      ShardResult r = isRead(text)
          ? client.read(shard, follower ? Consistency.FOLLOWER : Consistency.LINEARIZABLE, 0, List.of(Statements.of(text)))
          : client.write(shard, WriteBatch.newBuilder().setTxId("cli-" + UUID.randomUUID())
              .addStatements(Statements.of(text)).build());
      if (r.hasError()) {
        System.err.printf("error %s%s: %s%n", r.getError().getCode(), r.getError().getRetryable() ? " (retryable)" : "",
            r.getError().getMessage());
        return false;
      }
      for (StatementResult s : r.getResultsList()) {
        TableFormat.print(System.out, s);
      }
      return true;
    } catch (ShardliteException e) {
      System.err.println("error " + e.getMessage());
      return false;
    }
  }

  /** Read-only statements are reads; anything else (and malformed SQL, for its error) is a write. */
  private static boolean isRead(String sql) {
    return SqlPolicy.isReadOnly(sql);
  }
}
