package io.shardlite.common.metrics;

import java.lang.management.ManagementFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How busy the CPU this server runs on is, sampled in the background and smoothed over about a
 * second. Shard servers return it with their write answers, for the virtual masters' lanes to pace
 * their entries; the sequencer paces its own (every Raft entry costs about the same CPU whatever it
 * carries, so on a saturated CPU fewer, larger entries leave more of it for transactions). The
 * JVM's figure is the container's share when it runs under a CPU limit.
 */
public final class CpuUse implements AutoCloseable {
  private static final long SAMPLE_MILLIS = 200;
  /** Weight of the newest sample: about five samples (one second) make the figure. */
  private static final double NEWEST_WEIGHT = 0.3;

  private final com.sun.management.OperatingSystemMXBean os;
  private final ScheduledExecutorService timer;
  private double smoothed = -1; // timer thread only
  private volatile int percent;

  public CpuUse() {
    java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
    this.os = bean instanceof com.sun.management.OperatingSystemMXBean sun ? sun : null;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cpu-use");
      t.setDaemon(true);
      return t;
    });
    if (os != null) {
      os.getCpuLoad(); // the first reading only starts the interval
      timer.scheduleAtFixedRate(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** The CPU's recent use in percent, 0-100 (0 when this JVM cannot tell). */
  public int percent() {
    return percent;
  }

  private void sample() {
    double load = os.getCpuLoad();
    if (Double.isNaN(load) || load < 0) {
      return; // not available on this platform, or no interval yet
    }
    smoothed = smooth(smoothed, load);
    percent = (int) Math.round(Math.min(1.0, smoothed) * 100);
  }

  /** The next smoothed figure from the previous one (negative: none yet) and a new sample. */
  private static double smooth(double previous, double sample) {
    return previous < 0 ? sample : previous + NEWEST_WEIGHT * (sample - previous);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
