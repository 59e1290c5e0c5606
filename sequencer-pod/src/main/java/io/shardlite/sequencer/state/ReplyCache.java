package io.shardlite.sequencer.state;

import io.shardlite.proto.AssignLsnsReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * Recent {@code AssignLsns} replies by request id, so that a retried request (same id, possibly to
 * a new leader) gets the identical reply instead of new LSNs. Bounded by LSN: {@link #pruneBelow}
 * drops replies whose last LSN fell out of the window.
 *
 * @param byRequest the replies by request id
 * @param byLastLsn request ids by the last LSN of their reply (oldest first)
 */
public record ReplyCache(PMap<String, AssignLsnsReply> byRequest, PSortedMap<Long, String> byLastLsn) {

  public static ReplyCache empty() {
    return new ReplyCache(HashTreePMap.empty(), TreePMap.empty());
  }

  public Optional<AssignLsnsReply> get(String requestId) {
    return Optional.ofNullable(byRequest.get(requestId));
  }

  public int size() {
    return byRequest.size();
  }

  /** Remembers a successful reply (one with at least one transaction). */
  ReplyCache put(AssignLsnsReply reply) {
    long lastLsn = reply.getTxs(reply.getTxsCount() - 1).getLsn();
    return new ReplyCache(
        byRequest.plus(reply.getRequestId(), reply), byLastLsn.plus(lastLsn, reply.getRequestId()));
  }

  /** Forgets the replies whose last LSN is below {@code minLsn}. */
  ReplyCache pruneBelow(long minLsn) {
    PMap<String, AssignLsnsReply> replies = byRequest;
    PSortedMap<Long, String> index = byLastLsn;
    while (!index.isEmpty() && index.firstKey() < minLsn) {
      replies = replies.minus(index.firstEntry().getValue());
      index = index.minusFirstEntry();
    }
    return index == byLastLsn ? this : new ReplyCache(replies, index);
  }

  /** The replies, oldest first (the snapshot order). */
  public List<AssignLsnsReply> oldestFirst() {
    List<AssignLsnsReply> replies = new ArrayList<>(byLastLsn.size());
    for (String requestId : byLastLsn.values()) {
      replies.add(byRequest.get(requestId));
    }
    return replies;
  }
}
