package io.shardlite.operator.children;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.shardlite.operator.Names;
import io.shardlite.operator.crd.SequencerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The sequencer replicas' StatefulSet: one Raft group whose peers are all its pods. */
public final class SequencerStatefulSet {
  private SequencerStatefulSet() {}

  public static StatefulSet desired(ClusterView c) {
    String name = Names.sequencer(c.name());
    SequencerSpec raw = Optional.ofNullable(c.raw().getSequencer()).orElseGet(SequencerSpec::new);
    List<EnvVar> env = new ArrayList<>(PodParts.identity("SHARDLITE_NODE_ID"));
    env.add(PodParts.env("SHARDLITE_CLUSTER", c.name()));
    env.add(PodParts.env("SHARDLITE_DATA_DIR", PodParts.dataDir()));
    env.add(PodParts.env("SHARDLITE_SHARDS", Integer.toString(c.spec().shards())));
    env.add(PodParts.env("SHARDLITE_PEERS",
        Names.peers(name, c.namespace(), c.spec().sequencers(), Names.SEQUENCER_RATIS_PORT)));
    env.add(PodParts.env("SHARDLITE_RATIS_PORT", Integer.toString(Names.SEQUENCER_RATIS_PORT)));
    env.add(PodParts.env("SHARDLITE_GRPC_PORT", Integer.toString(Names.SEQUENCER_GRPC_PORT)));
    env.add(PodParts.env("SHARDLITE_METRICS_PORT", Integer.toString(Names.SEQUENCER_METRICS_PORT)));
    return RaftStatefulSet.of(c, name, Names.SEQUENCER, c.spec().sequencers(), Names.SEQUENCER_METRICS_PORT, 30,
        PodParts.server("sequencer", c.spec().imageRef(), "sequencer", env, raw.getResources(),
            PodParts.raftPorts(Names.SEQUENCER_RATIS_PORT, Names.SEQUENCER_GRPC_PORT, Names.SEQUENCER_METRICS_PORT),
            Names.SEQUENCER_METRICS_PORT, true),
        c.spec().sequencerStorageSize(), c.spec().sequencerStorageClass());
  }
}
