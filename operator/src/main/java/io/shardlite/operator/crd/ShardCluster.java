package io.shardlite.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A shardlite cluster: shard pods, a sequencer group and virtual masters, as one resource.
 * The operator never writes {@code spec}; defaults live in code ({@link EffectiveSpec}) and are
 * reported in {@code status}.
 */
@Group("shardlite.io")
@Version("v1alpha1")
@ShortNames("sc")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ShardCluster extends CustomResource<ShardClusterSpec, ShardClusterStatus> implements Namespaced {
  @Override
  protected ShardClusterSpec initSpec() {
    return new ShardClusterSpec();
  }
}
