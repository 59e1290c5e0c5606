package io.shardlite.operator;

import io.shardlite.operator.rebalance.RebalanceProgress;
import io.shardlite.operator.rebalance.RebalanceRequest;
import io.shardlite.operator.rebalance.ShardRebalancer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** A rebalancer whose reports the test scripts; it records every request. */
final class FakeRebalancer implements ShardRebalancer {
  final List<RebalanceRequest> requests = new ArrayList<>();
  Function<RebalanceRequest, RebalanceProgress> script = r -> RebalanceProgress.unknown("not scripted");

  @Override
  public RebalanceProgress step(RebalanceRequest request) {
    requests.add(request);
    return script.apply(request);
  }

  RebalanceRequest last() {
    return requests.get(requests.size() - 1);
  }

  /** From now on: balanced over the first {@code pods} pods, {@code each} replicas per pod, others empty. */
  void balanced(int pods, int each) {
    script = r -> {
      Map<String, Integer> m = new LinkedHashMap<>();
      r.pods().forEach(p -> m.put(p.name(), p.ordinal() < pods ? each : 0));
      return new RebalanceProgress(RebalanceProgress.State.BALANCED, m, 0, 0, "balanced");
    };
  }
}
