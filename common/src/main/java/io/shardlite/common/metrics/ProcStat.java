package io.shardlite.common.metrics;

import java.util.List;

/**
 * The host's CPU time from Linux's {@code /proc/stat} (pure parsing; {@link CpuUse} reads the
 * file): the ticks of the aggregate {@code cpu} line, busy and in all, and how many CPUs it
 * lists. Reading the file takes microseconds; the JVM's {@code getCpuLoad()} also reads the
 * cgroup's quota, shares and cpuset at every call, which cost a shard server 8% of its CPU when
 * idle (profiled, 16 shards).
 *
 * @param busyTicks ticks not idle and not waiting for I/O, over all CPUs since boot
 * @param totalTicks all ticks (steal excluded: time the hypervisor gave elsewhere)
 * @param cpus the {@code cpuN} lines
 */
record ProcStat(long busyTicks, long totalTicks, int cpus) {

  /** Parses the file's lines; null when they lack the aggregate {@code cpu} line. */
  static ProcStat parse(List<String> lines) {
    long busy = -1;
    long total = -1;
    int cpus = 0;
    for (String line : lines) {
      if (line.startsWith("cpu ")) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 5) {
          return null;
        }
        // user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user)
        long sum = 0;
        for (int i = 1; i < Math.min(f.length, 8); i++) {
          sum += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
        busy = sum - idle;
        total = sum;
      } else if (line.startsWith("cpu")) {
        cpus++;
      }
    }
    return total < 0 ? null : new ProcStat(busy, total, cpus);
  }

  /** The share of CPU time that was busy between {@code earlier} and this reading (NaN: none passed). */
  double busySince(ProcStat earlier) {
    long total = totalTicks - earlier.totalTicks;
    return total <= 0 ? Double.NaN : (double) (busyTicks - earlier.busyTicks) / total;
  }
}
