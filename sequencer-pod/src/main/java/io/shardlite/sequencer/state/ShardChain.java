package io.shardlite.sequencer.state;

import io.shardlite.proto.ShardPrev;
import io.shardlite.proto.TxLsn;
import io.shardlite.proto.TxRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * The last LSN given to a transaction touching each shard (0 = none yet). Handing each
 * transaction the previous LSN of every shard it touches forms a chain per shard, so a shard or a
 * lane can check that nothing is missing before an LSN.
 *
 * @param last index = shard id
 */
public record ShardChain(PVector<Long> last) {

  /** The result of sequencing a batch: the advanced chain and one {@link TxLsn} per request. */
  public record Sequenced(ShardChain chain, List<TxLsn> txs) {}

  public static ShardChain empty(int shards) {
    return new ShardChain(TreePVector.from(Collections.nCopies(shards, 0L)));
  }

  public int shards() {
    return last.size();
  }

  public long last(int shard) {
    return last.get(shard);
  }

  /**
   * Gives the requests the LSNs {@code firstLsn, firstLsn+1, ...} in order and links each of
   * their shards to the shard's previous LSN. The requests must already be validated.
   */
  public Sequenced sequence(long firstLsn, List<TxRequest> requests) {
    PVector<Long> next = last;
    List<TxLsn> txs = new ArrayList<>(requests.size());
    long lsn = firstLsn;
    for (TxRequest request : requests) {
      TxLsn.Builder tx = TxLsn.newBuilder().setTxId(request.getTxId()).setLsn(lsn);
      for (int shard : request.getShardsList()) {
        tx.addPrev(ShardPrev.newBuilder().setShard(shard).setPrevLsn(next.get(shard)));
        next = next.with(shard, lsn);
      }
      txs.add(tx.build());
      lsn++;
    }
    return new Sequenced(new ShardChain(next), List.copyOf(txs));
  }
}
