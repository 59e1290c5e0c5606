package io.shardlite.sequencer.server;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.prometheus.client.CollectorRegistry;
import io.shardlite.common.raft.RatisServerProperties;
import io.shardlite.common.launch.ReadyFile;
import io.shardlite.common.metrics.CpuUse;
import io.shardlite.common.metrics.HttpEndpoints;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sequencer replica: one Ratis server in the sequencer's single group, the {@code Sequencer} gRPC
 * service, a leader ticker, and the metrics/health HTTP port.
 */
public final class SequencerServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SequencerServer.class);

  private final SequencerServerConfig config;
  private final CollectorRegistry registry = new CollectorRegistry();
  private final SequencerMetrics metrics = new SequencerMetrics(registry);
  private RaftServer raft;
  private SequencerStateMachine machine;
  private LeaderTicker ticker;
  private Server grpc;
  private HttpEndpoints http;
  private CpuUse cpu;
  private ScheduledExecutorService pacingTimer;

  public SequencerServer(SequencerServerConfig config) {
    this.config = config;
  }

  /** {@code UUID.nameUUIDFromBytes(("shardlite/" + clusterName + "/sequencer") in UTF-8)}. */
  public static RaftGroupId groupId(String clusterName) {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("shardlite/" + clusterName + "/sequencer").getBytes(StandardCharsets.UTF_8)));
  }

  public void start() throws IOException {
    Files.createDirectories(config.dataDir());
    machine = new SequencerStateMachine(config.state(), System::currentTimeMillis, metrics);
    List<RaftPeer> peers = new ArrayList<>();
    new TreeMap<>(config.peers()).forEach((id, address) ->
        peers.add(RaftPeer.newBuilder().setId(id).setAddress(address).build()));
    RaftGroupId groupId = groupId(config.clusterName());
    // RECOVER formats the storage on the first start and keeps the log (and any membership
    // change made since) on every later one.
    raft = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.nodeId()))
        .setGroup(RaftGroup.valueOf(groupId, peers))
        .setProperties(ratisProperties(config))
        .setStateMachine(machine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    raft.start();
    LocalRaft local = new LocalRaft(raft, groupId);
    if (!config.entryPacing().gap().isZero()) {
      // Only a paced leader samples its CPU and keeps a timer for held entries.
      cpu = new CpuUse();
      pacingTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sequencer-entry-pacing");
        t.setDaemon(true);
        return t;
      });
    }

    grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.grpcPort()))
        // Every handler hands its request to group commit or a Raft read and answers from a
        // future, so none blocks: running them on the event loop saves a thread hand-off per call.
        .directExecutor()
        .addService(new SequencerService(local,
            new CommandBatcher(local, config.assignEntriesInFlight(), config.state().maxBatchTxs(), config.entryPacing(),
                cpu, pacingTimer), machine, metrics))
        .build()
        .start();
    ticker = new LeaderTicker(local, metrics);
    ticker.start(config.tick());
    if (config.metricsPort() >= 0) {
      http = HttpEndpoints.start(config.bindAddress(), config.metricsPort(), registry,
          () -> raft.getLifeCycleState() == LifeCycle.State.RUNNING);
    }
    LOG.info("sequencer {} serving: ratis {}, grpc {}, metrics {}, peers {}", config.nodeId(), config.ratisPort(),
        grpcPort(), metricsPort(), config.peers().keySet());
    if (config.readyFile() != null) {
      Map<String, String> ready = new LinkedHashMap<>();
      ready.put("node.id", config.nodeId());
      ready.put("pid", Long.toString(ProcessHandle.current().pid()));
      ready.put("ratis.port", Integer.toString(config.ratisPort()));
      ready.put("grpc.port", Integer.toString(grpcPort()));
      ready.put("metrics.port", Integer.toString(metricsPort()));
      ReadyFile.write(config.readyFile(), ready);
    }
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  public int metricsPort() {
    return http == null ? -1 : http.port();
  }

  static RaftProperties ratisProperties(SequencerServerConfig c) {
    RaftProperties p = RatisServerProperties.base(c.dataDir(), c.bindAddress(), c.ratisPort(), c.electionTimeoutMin(),
        c.snapshotThreshold());
    // A batch of 4096 transactions with long ids and several shards each stays well below 4 MiB.
    SizeInBytes entryLimit = SizeInBytes.valueOf(4L << 20);
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, entryLimit);
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf((4L << 20) + (64L << 10)));
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(6L << 20));

    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    // Idempotency is the state's reply cache (by request id); Ratis' own cache only needs to
    // cover its internal retries.
    RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));

    // Purge only what every follower has: Ratis 3.2.2's log appender dies (NPE "Previous TermIndex
    // not found") when a returning follower needs exactly the first entry the leader kept after a
    // purge, which a restarted old leader hits every time. The sequencer's entries are small.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, false);
    RaftServerConfigKeys.Log.setPurgeGap(p, 1024);
    // Ratis keeps the log's entries on the heap: the open segment's and up to six closed ones'.
    // With 8 MiB segments that was minutes of entries, which the young collections promoted and
    // only full collections freed. 1 MiB segments, two closed ones cached (an entry larger than a
    // segment is still written: that segment grows past the size); a lagging follower reads disk.
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(1L << 20));
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(1L << 20));
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(8L << 20));
    c.ratisOverrides().forEach(p::set);
    return p;
  }

  @Override
  public void close() {
    if (ticker != null) {
      ticker.close();
    }
    if (cpu != null) {
      cpu.close();
    }
    if (grpc != null) {
      grpc.shutdown();
    }
    if (pacingTimer != null) {
      // A held entry leaves now, while the Raft server still runs (the timer refuses new waits).
      pacingTimer.shutdownNow().forEach(Runnable::run);
    }
    if (raft != null) {
      try {
        raft.close();
      } catch (IOException e) {
        LOG.warn("closing ratis server", e);
      }
    }
    if (http != null) {
      http.close();
    }
    if (grpc != null) {
      try {
        grpc.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
