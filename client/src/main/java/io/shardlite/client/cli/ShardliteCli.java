package io.shardlite.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code shardlite}: the command-line entry point. */
@Command(name = "shardlite", mixinStandardHelpOptions = true, version = "shardlite 0.1.0",
    description = "shardlite: a distributed, strongly consistent SQL database of replicated SQLite shards.",
    subcommands = {LocalCommand.class, SqlCommand.class, StatusCommand.class, BenchCommand.class})
public final class ShardliteCli {
  public static void main(String[] args) {
    int code = new CommandLine(new ShardliteCli()).execute(args);
    System.exit(code);
  }
}
