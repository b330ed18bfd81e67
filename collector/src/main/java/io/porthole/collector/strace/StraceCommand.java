package io.porthole.collector.strace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The strace command line: {@code strace -f -q -tt -T -e trace=SET -p P1 -p P2 ...}, behind {@code
 * setpriv --pdeathsig TERM} where setpriv exists, so that strace detaches and ends with the JVM
 * even when the JVM is killed without running its shutdown hooks. The parent-death signal follows
 * the thread that started the process: start it from a thread that lives as long as strace.
 */
final class StraceCommand {

  private static final List<Path> SETPRIV =
      List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));

  private final String binary;
  private final String syscalls;
  private final Path setpriv;

  StraceCommand(String binary, String syscalls, boolean parentDeathSignal) {
    this.binary = Objects.requireNonNull(binary, "binary");
    this.syscalls = Objects.requireNonNull(syscalls, "syscalls");
    this.setpriv =
        parentDeathSignal
            ? SETPRIV.stream().filter(Files::isExecutable).findFirst().orElse(null)
            : null;
  }

  String binary() {
    return binary;
  }

  /** Where the binary is: itself when it names a path, else the first match on PATH. */
  static Optional<Path> resolve(String binary, String pathVariable) {
    if (binary.contains("/")) {
      Path path = Path.of(binary);
      return Files.isRegularFile(path) && Files.isExecutable(path)
          ? Optional.of(path)
          : Optional.empty();
    }
    for (String dir :
        (pathVariable == null ? "/usr/local/bin:/usr/bin:/bin" : pathVariable).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, binary);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
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
    List<String> argv = new ArrayList<>(12 + 2 * pids.size());
    if (setpriv != null) {
      argv.add(setpriv.toString());
      argv.add("--pdeathsig");
      argv.add("TERM");
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
