package io.shardlite.shard.server;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.prometheus.client.CollectorRegistry;
import io.shardlite.common.raft.RatisServerProperties;
import io.shardlite.common.launch.ReadyFile;
import io.shardlite.common.metrics.CpuUse;
import io.shardlite.common.metrics.HttpEndpoints;
import io.shardlite.common.placement.ReplicaPlacement;
import io.shardlite.shard.state.ShardMetrics;
import io.shardlite.shard.state.ShardStateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shard pod: ONE Ratis server hosting many shard groups (multi-raft), the gRPC data and admin
 * services, and the metrics/health HTTP port.
 *
 * <p>On the first start (no bootstrap marker in the data directory) the server creates its
 * members of the shard groups that the initial placement gives it. On every later start the
 * groups come from its storage directory, so membership changes made since (replicas moved in or
 * out) are kept, never re-derived from flags.
 */
public final class ShardServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardServer.class);
  private static final String BOOTSTRAP_MARKER = "bootstrapped";

  private final ShardServerConfig config;
  private final CollectorRegistry registry = new CollectorRegistry();
  private final ShardGroups groups;
  private RaftServer raft;
  private Server grpc;
  private WritePathOnEventLoop callExecutors;
  private ShardAdminService admin;
  private HttpEndpoints http;
  private CpuUse cpu;

  public ShardServer(ShardServerConfig config) {
    this.config = config;
    this.groups = new ShardGroups(config.clusterName(), config.shards(), ratisMessageLimit(config));
  }

  public void start() throws IOException {
    Files.createDirectories(config.dataDir());
    ShardMetrics metrics = new ShardMetrics(registry);
    StateMachine.Registry machines = gid -> new ShardStateMachine(
        groups.shardOf(gid).orElseThrow(() -> new IllegalArgumentException("group " + gid + " is not a shard of cluster "
            + config.clusterName())), metrics);
    raft = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.nodeId()))
        .setProperties(ratisProperties(config))
        .setStateMachineRegistry(machines)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    groups.attach(raft);
    raft.start();
    bootstrapOnce();

    admin = new ShardAdminService(config.nodeId(), groups);
    cpu = new CpuUse();
    callExecutors = new WritePathOnEventLoop();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.grpcPort()))
        .directExecutor()
        .callExecutor(callExecutors)
        .maxInboundMessageSize(ratisMessageLimit(config))
        .addService(new ShardDataService(groups, config, cpu))
        .addService(admin)
        .build()
        .start();
    new ShardGroupCollector(groups, admin).register(registry);
    if (config.metricsPort() >= 0) {
      http = HttpEndpoints.start(config.bindAddress(), config.metricsPort(), registry,
          () -> raft.getLifeCycleState() == LifeCycle.State.RUNNING);
    }
    LOG.info("shard server {} serving: ratis {}, grpc {}, metrics {}, groups {}", config.nodeId(), config.ratisPort(),
        grpcPort(), metricsPort(), groups.localShards());
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

  /** Creates this node's members of the initial placement, once per data directory. */
  private void bootstrapOnce() throws IOException {
    Path marker = config.dataDir().resolve(BOOTSTRAP_MARKER);
    if (Files.exists(marker)) {
      return;
    }
    if (!config.bootstrap()) {
      // The cluster exists: an empty data directory here is a replaced volume. Re-creating the
      // initial groups would make this server vote with an empty log; it waits to be re-added.
      LOG.warn("{} starts with an empty data directory and bootstrap off: it hosts nothing until replicas are"
          + " given to it (lost copies are replaced by the rebalancer)", config.nodeId());
      Files.writeString(marker, "not bootstrapped: the cluster existed already\n");
      return;
    }
    if (!config.initialPeers().containsKey(config.nodeId())) {
      LOG.info("{} is not among the initial peers {}: it starts empty and receives replicas by membership changes",
          config.nodeId(), config.initialPeers().keySet());
    } else {
      List<String> nodes = new ArrayList<>(new TreeSet<>(config.initialPeers().keySet()));
      Map<Integer, List<String>> placement = ReplicaPlacement.initial(config.shards(), nodes,
          Math.min(config.replicationFactor(), nodes.size()));
      for (Map.Entry<Integer, List<String>> e : placement.entrySet()) {
        if (!e.getValue().contains(config.nodeId())) {
          continue;
        }
        RaftGroupId gid = groups.groupId(e.getKey());
        if (groups.localShards().contains(e.getKey())) {
          continue;
        }
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < e.getValue().size(); i++) {
          String id = e.getValue().get(i);
          // The first replica is the preferred leader, so leadership spreads over the servers.
          peers.add(RaftPeer.newBuilder().setId(id).setAddress(config.initialPeers().get(id)).setPriority(i == 0 ? 1 : 0).build());
        }
        RaftClientReply reply = raft.groupManagement(GroupManagementRequest.newAdd(ClientId.randomId(),
            raft.getId(), 0, RaftGroup.valueOf(gid, peers), true));
        if (!reply.isSuccess()) {
          throw new IOException("cannot create shard group " + e.getKey(), reply.getException());
        }
      }
    }
    Files.writeString(marker, "placement of " + config.shards() + " shards over " + config.initialPeers().keySet() + "\n");
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  public int metricsPort() {
    return http == null ? -1 : http.port();
  }

  /** How long Ratis keeps a write's reply for retries of the same call (see {@link #ratisProperties}). */
  static final TimeDuration RETRY_CACHE_EXPIRY = TimeDuration.valueOf(10, TimeUnit.SECONDS);

  static int ratisMessageLimit(ShardServerConfig config) {
    return Math.max(8 << 20, config.maxBatchBytes() * 2 + (64 << 10));
  }

  static RaftProperties ratisProperties(ShardServerConfig c) {
    RaftProperties p = RatisServerProperties.base(c.dataDir(), c.bindAddress(), c.ratisPort(), c.electionTimeoutMin(),
        c.snapshotThreshold());
    // One entry holds at most one batch plus framing. Ratis keeps a write buffer of this size per
    // group (memory per group!), needs its appender batch to fit in it, and the gRPC message limit
    // to exceed the appender batch by 1 MiB.
    long entryLimit = c.maxBatchBytes() + (64L << 10);
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(entryLimit));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(entryLimit + (64L << 10)));
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(entryLimit + (2L << 20)));
    RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf(Math.max(64L << 20, 4L * ratisMessageLimit(c))));

    // Ratis keeps each write's reply, on every replica, for retries of the same client call. The
    // shard file's transaction ids already make a repeated write safe, and its default of 60 s kept
    // a minute of replies per server (~7,600 under load at 16 shards), promoted to the old
    // generation only to die there: 10 s, as on the sequencer, covers the Raft clients' own retries.
    RaftServerConfigKeys.RetryCache.setExpiryTime(p, RETRY_CACHE_EXPIRY);

    // No leader lease: a lease read trusts that no other leader was elected within 90% of the
    // minimum election timeout, which a starved JVM on a saturated machine can break. ListAppendIT
    // once saw a linearizable read, right after a multi-shard commit was acknowledged, miss it
    // (2026-12-03, under kill -9 faults); read-index costs a heartbeat round per batch of reads.
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, false);

    // Snapshots are SQLite copies; the log is purged up to them, so a replica that was away long
    // enough catches up by receiving the copy.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, c.logPurgeGap());
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(c.logSegmentBytes()));
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(c.logSegmentBytes(), 4L << 20)));
    // Ratis keeps a group's entries on the heap: all of the open segment's, and closed segments'
    // until six of them (or 200 MB) are cached. Sixteen groups of 8 MiB segments held ~200 MB of a
    // 768 MiB heap after five minutes at 16 shards and filled the old generation after seven:
    // full collections then took 10.7% of the shard servers' CPU (async-profiler). Two closed
    // segments (4 segments' bytes in all) keep what the appliers and appenders of a live group
    // read, which trails the tail by little; a lagging follower's entries are read from disk.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(4 * c.logSegmentBytes()));
    c.ratisOverrides().forEach(p::set);
    return p;
  }

  @Override
  public void close() {
    if (cpu != null) {
      cpu.close();
    }
    if (grpc != null) {
      grpc.shutdown();
    }
    if (admin != null) {
      admin.shutdown();
    }
    groups.close();
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
    if (callExecutors != null) {
      // After the server's calls ended: a call still running hands its next steps to this pool.
      callExecutors.close();
    }
  }
}
