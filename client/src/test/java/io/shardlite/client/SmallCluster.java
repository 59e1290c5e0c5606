package io.shardlite.client;

import io.shardlite.sequencer.launch.LocalSequencerCluster;
import io.shardlite.shard.launch.LocalShardCluster;
import io.shardlite.vmaster.launch.LocalVmCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real local cluster kept small for the client module's integration tests: a 1-replica
 * sequencer, 3 shard servers with replication factor 3, 2 virtual masters, {@link #SHARDS} shards,
 * all child processes under {@code target/it-clusters}.
 */
public final class SmallCluster implements AutoCloseable {
  public static final int SHARDS = 4;
  private static final List<String> JVM = List.of("-Xms128m", "-Xmx512m", "-XX:+UseParallelGC",
      "-XX:ParallelGCThreads=2", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

  public final LocalSequencerCluster sequencer;
  public final LocalShardCluster shardServers;
  public final LocalVmCluster vms;

  private SmallCluster(LocalSequencerCluster sequencer, LocalShardCluster shardServers, LocalVmCluster vms) {
    this.sequencer = sequencer;
    this.shardServers = shardServers;
    this.vms = vms;
  }

  /** Starts every process (named {@code name} under target/it-clusters); {@code vmArgs} go to the virtual masters. */
  public static SmallCluster start(String name, List<String> vmArgs) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "it-clusters", name + "-" + System.currentTimeMillis()))
        .toAbsolutePath();
    LocalSequencerCluster sequencer = null;
    LocalShardCluster shardServers = null;
    try {
      sequencer = new LocalSequencerCluster(dir.resolve("sequencer"), 1, SHARDS, List.of("--tick-ms", "200"), JVM).start();
      shardServers = new LocalShardCluster(dir.resolve("shards"), 3, SHARDS, 3, List.of(), JVM).start();
      List<String> args = new ArrayList<>(List.of("--lease-ms", "2000", "--heartbeat-ms", "400"));
      args.addAll(vmArgs);
      LocalVmCluster vms = new LocalVmCluster(dir.resolve("vms"), 2, sequencer.endpoints(), shardServers.endpoints(),
          SHARDS, args, JVM).start();
      return new SmallCluster(sequencer, shardServers, vms);
    } catch (RuntimeException e) {
      closeAll(shardServers, sequencer);
      throw e;
    }
  }

  @Override
  public void close() {
    closeAll(vms, shardServers, sequencer);
  }

  private static void closeAll(AutoCloseable... all) {
    for (AutoCloseable c : all) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the others
      }
    }
  }
}
