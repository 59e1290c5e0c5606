package io.shardlite.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whole-machine CPU busy share between two samples of Linux {@code /proc/stat} (NaN elsewhere). */
public final class MachineCpu {
  private final long busy;
  private final long total;

  private MachineCpu(long busy, long total) {
    this.busy = busy;
    this.total = total;
  }

  /** The current counters, or null when {@code /proc/stat} cannot be read. */
  public static MachineCpu sample() {
    try {
      String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = cpu.trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal ...
      long total = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new MachineCpu(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * CPU time (user + system) a live process has used so far, from Linux {@code /proc/<pid>/stat}
   * (clock ticks at the usual USER_HZ of 100); NaN when it cannot be read.
   */
  public static double processCpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+"); // from field 3 (state) on
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // fields 14 (utime) and 15 (stime)
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Sum of {@link #processCpuSeconds} over processes (NaN if any is unreadable). */
  public static double processCpuSeconds(java.util.List<Long> pids) {
    double sum = 0;
    for (long pid : pids) {
      sum += processCpuSeconds(pid);
    }
    return sum;
  }

  /** Busy percent of all cores from {@code before} to {@code after}; NaN if either is missing. */
  public static double busyPercent(MachineCpu before, MachineCpu after) {
    if (before == null || after == null || after.total <= before.total) {
      return Double.NaN;
    }
    return 100.0 * (after.busy - before.busy) / (after.total - before.total);
  }
}
