package io.shardlite.sequencer.state;

import io.shardlite.proto.AssignLsnsReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedMap;
import org.pcollections.PVector;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

/**
 * Recent {@code AssignLsns} replies, so that a retried request (same id, possibly sent to a new
 * leader) gets the identical reply instead of new LSNs.
 *
 * <p>Bounded per virtual master, like a Raft client session: a virtual master resends only the
 * requests it has in flight, so the last {@code perVm} replies of each one are all a retry can ask
 * for, whatever the cluster-wide rate. A virtual master whose lease expires loses its replies (its
 * shards moved on; it must register again and give up what it had in flight).
 *
 * @param byRequest the replies by request id
 * @param byVm each virtual master's request ids, oldest first
 */
public record ReplyCache(PMap<String, AssignLsnsReply> byRequest, PSortedMap<String, PVector<String>> byVm) {

  public static ReplyCache empty() {
    return new ReplyCache(HashTreePMap.empty(), TreePMap.empty());
  }

  public Optional<AssignLsnsReply> get(String requestId) {
    return Optional.ofNullable(byRequest.get(requestId));
  }

  public int size() {
    return byRequest.size();
  }

  /** Remembers a successful reply of {@code vmId}, forgetting its oldest beyond {@code perVm}. */
  ReplyCache put(String vmId, AssignLsnsReply reply, int perVm) {
    PVector<String> ids = byVm.getOrDefault(vmId, TreePVector.empty()).plus(reply.getRequestId());
    PMap<String, AssignLsnsReply> replies = byRequest.plus(reply.getRequestId(), reply);
    while (ids.size() > perVm) {
      replies = replies.minus(ids.get(0));
      ids = ids.minus(0);
    }
    return new ReplyCache(replies, byVm.plus(vmId, ids));
  }

  /** Forgets the replies of virtual masters that are no longer registered. */
  ReplyCache retainVms(VmRegistry live) {
    PMap<String, AssignLsnsReply> replies = byRequest;
    PSortedMap<String, PVector<String>> vms = byVm;
    for (Map.Entry<String, PVector<String>> e : byVm.entrySet()) {
      if (live.get(e.getKey()).isEmpty()) {
        replies = replies.minusAll(e.getValue());
        vms = vms.minus(e.getKey());
      }
    }
    return vms == byVm ? this : new ReplyCache(replies, vms);
  }

  /** The replies of one virtual master, oldest first (the snapshot order). */
  public List<AssignLsnsReply> oldestFirst(String vmId) {
    List<AssignLsnsReply> replies = new ArrayList<>();
    for (String requestId : byVm.getOrDefault(vmId, TreePVector.empty())) {
      replies.add(byRequest.get(requestId));
    }
    return replies;
  }

  /** The virtual masters that have replies, sorted. */
  public Iterable<String> vms() {
    return byVm.keySet();
  }
}
