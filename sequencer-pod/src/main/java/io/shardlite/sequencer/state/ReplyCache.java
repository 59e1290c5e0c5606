package io.shardlite.sequencer.state;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.shardlite.proto.AssignLsnsReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * Recent {@code AssignLsns} replies, so that a retried request (same id, possibly sent to a new
 * leader) gets the identical reply instead of new LSNs.
 *
 * <p>Bounded per virtual master, like a Raft client session: a virtual master resends only the
 * requests it has in flight, so the last {@code perVm} replies of each one are all a retry can ask
 * for, whatever the cluster-wide rate. A virtual master whose lease expires loses its replies (its
 * shards moved on; it must register again and give up what it had in flight).
 *
 * <p>Each reply is kept as its encoded bytes, one array per reply: a reply is read again only for
 * a retry or a snapshot, while as messages every reply was a graph of small objects that the
 * young collections copied until it left the cache (SequencerApplyBenchmark: a third less GC
 * time, and less time per batch despite the encoding).
 *
 * @param byRequest the encoded replies by request id
 * @param byVm each virtual master's request ids, oldest first
 */
public record ReplyCache(HashTrieMap<String, ByteString> byRequest, PSortedMap<String, PersistentQueue<String>> byVm) {

  public static ReplyCache empty() {
    return new ReplyCache(HashTrieMap.empty(), TreePMap.empty());
  }

  public Optional<AssignLsnsReply> get(String requestId) {
    ByteString encoded = byRequest.get(requestId);
    return encoded == null ? Optional.empty() : Optional.of(decode(encoded));
  }

  private static AssignLsnsReply decode(ByteString encoded) {
    try {
      return AssignLsnsReply.parseFrom(encoded);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a cached reply does not decode: the state is corrupt", e);
    }
  }

  public int size() {
    return byRequest.size();
  }

  /** Remembers a successful reply of {@code vmId}, forgetting its oldest beyond {@code perVm}. */
  ReplyCache put(String vmId, AssignLsnsReply reply, int perVm) {
    PersistentQueue<String> ids = byVm.getOrDefault(vmId, PersistentQueue.empty()).plus(reply.getRequestId());
    HashTrieMap<String, ByteString> replies = byRequest.plus(reply.getRequestId(), reply.toByteString());
    while (ids.size() > perVm) {
      replies = replies.minus(ids.first());
      ids = ids.minusFirst();
    }
    return new ReplyCache(replies, byVm.plus(vmId, ids));
  }

  /** Forgets the replies of virtual masters that are no longer registered. */
  ReplyCache retainVms(VmRegistry live) {
    HashTrieMap<String, ByteString> replies = byRequest;
    PSortedMap<String, PersistentQueue<String>> vms = byVm;
    for (Map.Entry<String, PersistentQueue<String>> e : byVm.entrySet()) {
      if (live.get(e.getKey()).isEmpty()) {
        for (String requestId : e.getValue()) {
          replies = replies.minus(requestId);
        }
        vms = vms.minus(e.getKey());
      }
    }
    return vms == byVm ? this : new ReplyCache(replies, vms);
  }

  /** The replies of one virtual master, oldest first (the snapshot order). */
  public List<AssignLsnsReply> oldestFirst(String vmId) {
    List<AssignLsnsReply> replies = new ArrayList<>();
    for (String requestId : byVm.getOrDefault(vmId, PersistentQueue.empty())) {
      replies.add(decode(byRequest.get(requestId)));
    }
    return replies;
  }

  /** The virtual masters that have replies, sorted. */
  public Iterable<String> vms() {
    return byVm.keySet();
  }
}
