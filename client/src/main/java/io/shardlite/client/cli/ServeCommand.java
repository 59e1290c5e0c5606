package io.shardlite.client.cli;

import io.shardlite.sequencer.server.SequencerServerMain;
import io.shardlite.shard.server.ShardServerMain;
import io.shardlite.vmaster.server.VirtualMasterMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code shardlite serve <kind> [flags]}: runs one server in the foreground. This is what the
 * container image runs in every pod (one image, three kinds); settings come from the
 * {@code SHARDLITE_*} environment or from the kind's own flags, which are passed through.
 */
@Command(name = "serve", description = "Run one server in the foreground: shard-server, sequencer or vmaster."
    + " Every setting comes from its flag or SHARDLITE_* variable (see `serve <kind> --help`).")
final class ServeCommand implements Callable<Integer> {

  /** The server kinds a pod can run. */
  enum Kind {
    SHARD_SERVER("shard-server"), SEQUENCER("sequencer"), VMASTER("vmaster");

    final String cliName;

    Kind(String cliName) {
      this.cliName = cliName;
    }

    static Kind parse(String name) {
      for (Kind k : values()) {
        if (k.cliName.equals(name)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown server kind '" + name + "': expected shard-server, sequencer or vmaster");
    }
  }

  @Parameters(index = "0", paramLabel = "KIND", description = "shard-server, sequencer or vmaster")
  String kind;

  // Unknown options count as parameters here (see ShardliteCli), so the flags reach the server in order.
  @Parameters(index = "1..*", paramLabel = "FLAG", description = "flags of that server")
  List<String> flags = new ArrayList<>();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    if ("--help".equals(kind) || "-h".equals(kind)) {
      // Unknown options are parameters here, so help is recognised by hand.
      spec.commandLine().usage(spec.commandLine().getOut());
      return 0;
    }
    Kind k;
    try {
      k = Kind.parse(kind);
    } catch (IllegalArgumentException e) {
      System.err.println("serve: " + e.getMessage());
      return 2;
    }
    String[] args = flags.toArray(String[]::new);
    // Each main exits the JVM itself on a bad flag or a failed start; it returns once the server stops.
    switch (k) {
      case SHARD_SERVER -> ShardServerMain.main(args);
      case SEQUENCER -> SequencerServerMain.main(args);
      case VMASTER -> VirtualMasterMain.main(args);
      default -> throw new IllegalStateException(k.toString());
    }
    return 0;
  }
}
