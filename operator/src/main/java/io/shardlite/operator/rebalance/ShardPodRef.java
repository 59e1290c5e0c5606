package io.shardlite.operator.rebalance;

/**
 * One pod of the shard StatefulSet as the reconciler sees it. The Raft peer id of its server is
 * {@code name}; its Raft address is {@code host:ratisPort}; its admin API is {@code host:grpcPort}.
 */
public record ShardPodRef(String name, int ordinal, String host, int grpcPort, int ratisPort, boolean ready) {
  public String raftAddress() {
    return host + ":" + ratisPort;
  }
}
