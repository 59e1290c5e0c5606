package io.shardlite.sequencer.state;

/**
 * A shard's owner ({@code ""} = none) and its ownership epoch, which increases by one on every
 * change of owner (to, from or between virtual masters). Shards fence writes below their epoch.
 */
public record ShardOwner(int shard, String owner, long epoch) {

  public boolean owned() {
    return !owner.isEmpty();
  }

  public io.shardlite.proto.ShardOwner toProto() {
    return io.shardlite.proto.ShardOwner.newBuilder()
        .setShard(shard).setOwner(owner).setEpoch(epoch).build();
  }

  static ShardOwner fromProto(io.shardlite.proto.ShardOwner proto) {
    return new ShardOwner(proto.getShard(), proto.getOwner(), proto.getEpoch());
  }
}
