package io.shardlite.sequencer.state;

import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The last LSN given to a transaction touching each shard (0 = none yet), and that transaction's
 * id when it was a multi-shard one. Handing each transaction the previous LSN of every shard it
 * touches forms a chain per shard, so a shard or a lane can check that nothing is missing before
 * an LSN; naming a multi-shard predecessor tells the shard's lane which part it must place before
 * its own next writes (its single-shard predecessors are the lane's own).
 *
 * <p>Plain immutable lists, copied once per batch: a batch updates a few of a few dozen slots many
 * times over, which pcollections' vectors paid for with a tree path per update.
 *
 * @param last index = shard id
 * @param lastMulti index = shard id: the id of the transaction at {@code last} if it touched
 *     several shards, else empty
 */
public record ShardChain(List<Long> last, List<String> lastMulti) {

  /** The result of sequencing a batch: the advanced chain and one {@link TxLsn} per request. */
  public record Sequenced(ShardChain chain, List<TxLsn> txs) {}

  public ShardChain {
    last = List.copyOf(last);
    lastMulti = List.copyOf(lastMulti);
    if (last.size() != lastMulti.size()) {
      throw new IllegalArgumentException(last.size() + " last LSNs but " + lastMulti.size() + " multi-shard ids");
    }
  }

  public static ShardChain empty(int shards) {
    return new ShardChain(Collections.nCopies(shards, 0L), Collections.nCopies(shards, ""));
  }

  public int shards() {
    return last.size();
  }

  public long last(int shard) {
    return last.get(shard);
  }

  /** The id of the multi-shard transaction at {@link #last}, or empty. */
  public String lastMulti(int shard) {
    return lastMulti.get(shard);
  }

  /**
   * Gives the requests the LSNs {@code firstLsn, firstLsn+1, ...} in order and links each of
   * their shards to the shard's previous LSN. The requests must already be validated.
   */
  public Sequenced sequence(long firstLsn, List<TxRequest> requests) {
    Long[] next = last.toArray(new Long[0]);
    String[] nextMulti = lastMulti.toArray(new String[0]);
    List<TxLsn> txs = new ArrayList<>(requests.size());
    long lsn = firstLsn;
    for (TxRequest request : requests) {
      TxLsn.Builder tx = TxLsn.newBuilder().setTxId(request.getTxId()).setLsn(lsn);
      String multi = request.getShardsCount() > 1 ? request.getTxId() : "";
      for (int shard : request.getShardsList()) {
        tx.addPrev(ShardPrev.newBuilder().setShard(shard).setPrevLsn(next[shard])
            .setPrevMultiTxId(nextMulti[shard]));
        next[shard] = lsn;
        nextMulti[shard] = multi;
      }
      txs.add(tx.build());
      lsn++;
    }
    // List.of copies each array once; the constructor's List.copyOf keeps such a list as it is.
    return new Sequenced(new ShardChain(List.of(next), List.of(nextMulti)), List.copyOf(txs));
  }
}
