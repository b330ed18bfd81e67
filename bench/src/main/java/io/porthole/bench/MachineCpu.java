package io.porthole.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How busy the machine's cores were between two snapshots, and which processes used them: the whole
 * machine from the first line of {@code /proc/stat}, each named process with its descendants from
 * {@link ProcessHandle.Info#totalCpuDuration} ({@code /proc/PID/stat}). A figure measured under
 * load says with it whether the machine had CPU to spare (one machine runs the broker, the load and
 * the component measured).
 */
final class MachineCpu {

  /** The machine's CPU time counters ({@code /proc/stat}, clock ticks) at one moment. */
  record Counters(long busyTicks, long idleTicks) {}

  /** One moment: the machine's counters and the CPU nanoseconds of each named process. */
  record Snapshot(long wallNanos, Counters machine, Map<String, Long> processCpuNanos) {}

  private final Map<String, ProcessHandle> processes = new LinkedHashMap<>();

  /**
   * Counts {@code process} and its descendants (those alive at each snapshot) as {@code name}; a
   * process counts once, under the first name that covers it (a load JVM the driver started,
   * watched before the driver, is not the driver's too).
   */
  MachineCpu watch(String name, ProcessHandle process) {
    processes.put(name, process);
    return this;
  }

  Snapshot snapshot() {
    Map<String, Long> cpu = new LinkedHashMap<>();
    Set<Long> counted = new HashSet<>();
    processes.forEach((name, process) -> cpu.put(name, cpuNanos(process, counted)));
    return new Snapshot(System.nanoTime(), machineCounters(), cpu);
  }

  /**
   * What happened between two snapshots, e.g. {@code over 30.0 s the machine's 2 cores were 99%
   * busy (idle 1%): the analyzer 0.70 cores, this load driver 0.74 cores, everything else (the
   * broker, the engine, ...) 0.53 cores}.
   */
  static String describe(Snapshot from, Snapshot to, int cores) {
    long busy = to.machine().busyTicks() - from.machine().busyTicks();
    long idle = to.machine().idleTicks() - from.machine().idleTicks();
    double busyShare = busy + idle > 0 ? (double) busy / (busy + idle) : 0;
    double seconds = Math.max(1e-9, (to.wallNanos() - from.wallNanos()) / 1e9);
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "over %.1f s the machine's %d cores were %.0f%% busy (idle %.0f%%):",
                seconds,
                cores,
                100 * busyShare,
                100 * (1 - busyShare)));
    double named = 0;
    for (Map.Entry<String, Long> entry : to.processCpuNanos().entrySet()) {
      long before = from.processCpuNanos().getOrDefault(entry.getKey(), 0L);
      double used = Math.max(0, entry.getValue() - before) / 1e9 / seconds;
      named += used;
      out.append(String.format(Locale.ROOT, " %s %.2f cores,", entry.getKey(), used));
    }
    double rest = Math.max(0, busyShare * cores - named);
    out.append(
        String.format(
            Locale.ROOT, " everything else (the broker, the engine, ...) %.2f cores", rest));
    return out.toString();
  }

  /** The machine's busy and idle ticks (idle includes iowait) from {@code /proc/stat}. */
  static Counters machineCounters() {
    try {
      return parseCpuLine(Files.readAllLines(Path.of("/proc/stat")).get(0));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/stat: " + e.getMessage(), e);
    }
  }

  /**
   * {@code cpu user nice system idle iowait irq softirq steal guest guest_nice}: guest time is
   * already counted in user (and guest_nice in nice), so it is left out.
   */
  static Counters parseCpuLine(String line) {
    String[] fields = line.trim().split("\\s+");
    if (fields.length < 5 || !fields[0].equals("cpu")) {
      throw new IllegalArgumentException("not the cpu line of /proc/stat: " + line);
    }
    long busy = 0;
    long idle = 0;
    for (int i = 1; i < Math.min(fields.length, 9); i++) {
      long ticks = Long.parseLong(fields[i]);
      if (i == 4 || i == 5) {
        idle += ticks;
      } else {
        busy += ticks;
      }
    }
    return new Counters(busy, idle);
  }

  /**
   * The CPU of {@code process} and its descendants not in {@code counted}, which it adds them to.
   */
  private static long cpuNanos(ProcessHandle process, Set<Long> counted) {
    long total = 0;
    for (ProcessHandle each :
        (Iterable<ProcessHandle>)
            Stream.concat(Stream.of(process), process.descendants())::iterator) {
      if (counted.add(each.pid())) {
        total += cpuNanosOf(each);
      }
    }
    return total;
  }

  private static long cpuNanosOf(ProcessHandle process) {
    Optional<Duration> cpu = process.info().totalCpuDuration();
    return cpu.map(Duration::toNanos).orElse(0L);
  }
}
