package io.shardlite.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code shardlite}: the command-line entry point. */
@Command(name = "shardlite", mixinStandardHelpOptions = true, version = "shardlite 0.1.0",
    description = "shardlite: a distributed, strongly consistent SQL database of replicated SQLite shards.",
    subcommands = {LocalCommand.class, SqlCommand.class, StatusCommand.class, RebalanceCommand.class, BenchCommand.class,
        ServeCommand.class})
public final class ShardliteCli {
  public static void main(String[] args) {
    io.shardlite.common.rpc.NettyLeakDetection.offUnlessSet();
    CommandLine cli = new CommandLine(new ShardliteCli());
    // `serve KIND --flag value ...` hands every flag to the server it starts.
    cli.getSubcommands().get("serve").setUnmatchedOptionsArePositionalParams(true);
    int code = cli.execute(args);
    System.exit(code);
  }
}
