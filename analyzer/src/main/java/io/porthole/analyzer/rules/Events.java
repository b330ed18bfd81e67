package io.porthole.analyzer.rules;

import com.google.protobuf.Timestamp;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import java.time.Instant;

/** Small readings of event messages that several rules share. */
final class Events {

  private Events() {}

  static Instant time(Timestamp timestamp) {
    return Timestamps.toInstant(timestamp);
  }

  static boolean failed(SyscallEvent syscall) {
    return !syscall.getErrnoName().isEmpty()
        || (syscall.hasReturnCode() && syscall.getReturnCode() < 0);
  }

  /** A process that exited with a non-zero code or was killed by a signal. */
  static boolean failed(ProcessExit exit) {
    return !exit.getSignal().isEmpty() || (exit.hasExitCode() && exit.getExitCode() != 0);
  }

  static String describe(ProcessExit exit) {
    String how =
        exit.getSignal().isEmpty()
            ? "exited with code " + exit.getExitCode()
            : "was killed by " + exit.getSignal();
    return "process " + exit.getHostPid() + " " + how;
  }

  /**
   * The process end as strace printed it, naming the pid once: the collector's line already starts
   * with {@code [pid N]} (strace -f) or {@code N } (strace -o); a bare {@code +++ exited with C
   * +++} gets the pid; without a line, one is written from the fields.
   */
  static String exitLine(ProcessExit exit) {
    String raw = exit.getRaw();
    if (raw.isEmpty()) {
      return "[pid " + exit.getHostPid() + "] " + describe(exit);
    }
    String pid = Integer.toString(exit.getHostPid());
    if (raw.startsWith("[pid") || raw.startsWith(pid + " ")) {
      return raw;
    }
    return "[pid " + pid + "] " + raw;
  }

  /** The strace line when the collector kept it, else a line rebuilt from the fields. */
  static String describe(SyscallEvent syscall) {
    if (!syscall.getRaw().isEmpty()) {
      return syscall.getRaw();
    }
    StringBuilder line =
        new StringBuilder()
            .append("[pid ")
            .append(syscall.getHostPid())
            .append("] ")
            .append(syscall.getName())
            .append('(')
            .append(syscall.getArguments())
            .append(") = ")
            .append(syscall.getReturnValue());
    if (!syscall.getErrnoName().isEmpty()) {
      line.append(' ')
          .append(syscall.getErrnoName())
          .append(" (")
          .append(syscall.getErrnoText())
          .append(')');
    }
    return line.toString();
  }

  static String mebibytes(long bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return (bytes / (1024 * 1024)) + " MiB";
    }
    return bytes + " bytes";
  }
}
