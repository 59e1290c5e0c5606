package io.shardlite.common.raft;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics registry Ratis uses in every shardlite process (loaded through
 * {@code META-INF/services}): counters count, timers and gauges record nothing.
 *
 * <p>Why: Ratis' default registry ({@code ratis-metrics-default}) backs each of its timers with a
 * Dropwizard histogram whose exponentially decaying reservoir inserts every sample into a
 * concurrent skip list, and Ratis times every log write, flush, append request and client reply.
 * A perf profile of the shard servers at 10% multi-shard transfers (C2, after 420 s of load) found
 * 5.7% of their CPU samples in that reservoir, and 2.1% of the sequencer replicas'. No shardlite
 * process exposes Ratis' metrics (there is no reporter: our own Prometheus metrics say what a user
 * needs), so the timers were work without a reader. Counters stay cheap ({@link LongAdder}) and
 * readable, since Ratis reads some of them back.
 */
public final class LeanRatisMetrics extends MetricRegistries {
  private static final Logger LOG = LoggerFactory.getLogger(LeanRatisMetrics.class);

  private final Map<MetricRegistryInfo, Registry> registries = new ConcurrentHashMap<>();

  @Override
  public void clear() {
    registries.clear();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    return registries.computeIfAbsent(info, Registry::new);
  }

  @Override
  public boolean remove(MetricRegistryInfo info) {
    return registries.remove(info) != null;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info));
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.copyOf(registries.keySet());
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return List.copyOf(registries.values());
  }

  @Override
  public void addReporterRegistration(Consumer<RatisMetricRegistry> onAdd, Consumer<RatisMetricRegistry> onRemove) {
    LOG.warn("Ratis metrics reporters are not supported: Ratis' timers and gauges are not recorded");
  }

  @Override
  public void enableJmxReporter() {
    addReporterRegistration(null, null);
  }

  @Override
  public void enableConsoleReporter(TimeDuration period) {
    addReporterRegistration(null, null);
  }

  /** One component's metrics: counters only. */
  private static final class Registry implements RatisMetricRegistry {
    private static final Timekeeper.Context STOPPED = () -> 0L;
    private static final Timekeeper UNTIMED = () -> STOPPED;

    private final MetricRegistryInfo info;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    Registry(MetricRegistryInfo info) {
      this.info = info;
    }

    @Override
    public Timekeeper timer(String name) {
      return UNTIMED;
    }

    @Override
    public LongCounter counter(String name) {
      return counters.computeIfAbsent(name, n -> new Counter());
    }

    @Override
    public boolean remove(String name) {
      return counters.remove(name) != null;
    }

    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
      // Not recorded: a gauge is read only by a reporter, and there is none.
    }

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
      return info;
    }
  }

  private static final class Counter implements LongCounter {
    private final LongAdder count = new LongAdder();

    @Override
    public void inc(long n) {
      count.add(n);
    }

    @Override
    public void dec(long n) {
      count.add(-n);
    }

    @Override
    public long getCount() {
      return count.sum();
    }
  }
}
