package io.shardlite.common.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How busy the CPU this server runs on is, sampled in the background and smoothed over about a
 * second. Shard servers return it with their write answers, for the virtual masters' lanes to pace
 * their entries; the sequencer paces its own (every Raft entry costs about the same CPU whatever it
 * carries, so on a saturated CPU fewer, larger entries leave more of it for transactions). Where
 * this JVM may use every CPU of the host, the figure comes from {@code /proc/stat} ({@link
 * ProcStat}); under a CPU limit or a cpuset it is the JVM's, the container's share.
 */
public final class CpuUse implements AutoCloseable {
  private static final long SAMPLE_MILLIS = 200;
  /** Weight of the newest sample: about five samples (one second) make the figure. */
  private static final double NEWEST_WEIGHT = 0.3;

  private static final Path PROC_STAT = Path.of("/proc/stat");

  private final com.sun.management.OperatingSystemMXBean os;
  private final ScheduledExecutorService timer;
  private ProcStat lastStat; // timer thread only (set before it starts); null: the JVM's figure
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
    ProcStat stat = readProcStat();
    if (stat != null && Runtime.getRuntime().availableProcessors() >= stat.cpus()) {
      lastStat = stat;
    } else if (os != null) {
      os.getCpuLoad(); // the first reading only starts the interval
    }
    if (lastStat != null || os != null) {
      timer.scheduleAtFixedRate(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** The CPU's recent use in percent, 0-100 (0 when this JVM cannot tell). */
  public int percent() {
    return percent;
  }

  private void sample() {
    double load;
    if (lastStat != null) {
      ProcStat now = readProcStat();
      if (now == null) {
        return;
      }
      load = now.busySince(lastStat);
      lastStat = now;
    } else {
      load = os.getCpuLoad();
    }
    if (Double.isNaN(load) || load < 0) {
      return; // not available on this platform, or no interval yet
    }
    smoothed = smooth(smoothed, load);
    percent = (int) Math.round(Math.min(1.0, smoothed) * 100);
  }

  /** The host's CPU ticks, or null where there is no {@code /proc/stat} (not Linux). */
  private static ProcStat readProcStat() {
    // The cpu lines come first; the rest (interrupt counts: kilobytes) is not read.
    try (java.util.stream.Stream<String> lines = Files.lines(PROC_STAT)) {
      return ProcStat.parse(lines.takeWhile(l -> l.startsWith("cpu")).toList());
    } catch (IOException | RuntimeException e) {
      return null;
    }
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
