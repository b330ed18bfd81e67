package io.porthole.collector.strace;

import io.porthole.runtime.Executables;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The strace command line: {@code strace -f -q -tt -T -e trace=SET -p P1 -p P2 ...}, behind {@code
 * setpriv --pdeathsig TERM} where setpriv exists, so that strace detaches and ends with the JVM
 * even when the JVM is killed without running its shutdown hooks. The parent-death signal follows
 * the thread that started the process: start it from a thread that lives as long as strace.
 *
 * <p>strace runs at nice {@value #NICENESS} (behind {@code nice}) when the collector may raise a
 * priority ({@code CAP_SYS_NICE}): the traced program is stopped at every syscall until strace has
 * handled it, so strace waiting for a CPU behind the collector's own threads (parsing, publishing,
 * packet capture) is time the traced program stands still. Measured in the strace-overhead figure
 * (docs/benchmarks.md). Without the capability strace runs at the collector's priority.
 */
final class StraceCommand {

  /** strace's niceness when the collector may raise a priority. */
  static final int NICENESS = -5;

  /** Where the wrappers are looked for (util-linux's setpriv, coreutils' nice). */
  private static final String WRAPPER_PATH = "/usr/bin:/bin";

  /** Bit of {@code CAP_SYS_NICE} in a capability mask (linux/capability.h). */
  private static final int CAP_SYS_NICE = 23;

  private final String binary;
  private final String syscalls;
  private final Path setpriv;
  private final Path nice;

  /**
   * A command behind setpriv when {@code parentDeathSignal} (and setpriv exists), and behind nice
   * when this process has {@code CAP_SYS_NICE} (and nice exists).
   */
  StraceCommand(String binary, String syscalls, boolean parentDeathSignal) {
    this(
        binary,
        syscalls,
        parentDeathSignal ? wrapper("setpriv") : null,
        mayRaisePriority(Path.of("/proc/self/status")) ? wrapper("nice") : null);
  }

  /** {@code setpriv} and {@code nice} are the wrappers' paths, or null for none. */
  StraceCommand(String binary, String syscalls, Path setpriv, Path nice) {
    this.binary = Objects.requireNonNull(binary, "binary");
    this.syscalls = Objects.requireNonNull(syscalls, "syscalls");
    this.setpriv = setpriv;
    this.nice = nice;
  }

  private static Path wrapper(String name) {
    return Executables.find(name, WRAPPER_PATH).orElse(null);
  }

  /**
   * Whether the process whose {@code /proc/PID/status} this is has {@code CAP_SYS_NICE} among its
   * effective capabilities; false when the file cannot be read or has no {@code CapEff} line.
   */
  static boolean mayRaisePriority(Path procStatus) {
    try {
      for (String line : Files.readAllLines(procStatus)) {
        if (line.startsWith("CapEff:")) {
          return hasCapability(line.substring("CapEff:".length()).trim(), CAP_SYS_NICE);
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return false;
  }

  /** Whether {@code hexMask} (as in {@code CapEff}: hexadecimal, no prefix) has bit {@code cap}. */
  static boolean hasCapability(String hexMask, int cap) {
    try {
      return new BigInteger(hexMask, 16).testBit(cap);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  String binary() {
    return binary;
  }

  /**
   * Environment variables strace needs on top of the collector's: {@code TZ=:/etc/localtime} when
   * {@code TZ} is unset. It names the zone glibc uses anyway, but with {@code TZ} unset glibc's
   * {@code localtime} checks {@code /etc/localtime} with a {@code stat} on every call, that is on
   * every {@code -tt} timestamp strace prints: one extra syscall per line while the traced process
   * waits (measured: 7,965 {@code newfstatat} calls for 7,929 lines).
   */
  static Map<String, String> environment(Map<String, String> inherited) {
    return inherited.containsKey("TZ") ? Map.of() : Map.of("TZ", ":/etc/localtime");
  }

  List<String> argv(List<Integer> pids) {
    List<String> argv = new ArrayList<>(15 + 2 * pids.size());
    if (setpriv != null) {
      argv.add(setpriv.toString());
      argv.add("--pdeathsig");
      argv.add("TERM");
    }
    if (nice != null) {
      argv.add(nice.toString());
      argv.add("-n");
      argv.add(Integer.toString(NICENESS));
    }
    argv.add(binary);
    argv.add("-f");
    argv.add("-q");
    argv.add("-tt");
    argv.add("-T");
    argv.add("-e");
    argv.add("trace=" + syscalls);
    for (int pid : pids) {
      argv.add("-p");
      argv.add(Integer.toString(pid));
    }
    return argv;
  }
}
