package io.porthole.collector.strace;

/**
 * A task's end as strace reports it: {@code +++ exited with 12 +++} or {@code +++ killed by SIGKILL
 * (core dumped) +++}. Reused by the parser like {@link StraceSyscall}; {@link #copy()} to keep it.
 */
public final class StraceExit {

  int pid;
  long epochMicros;
  boolean exited;
  int exitCode;
  String signal = "";
  boolean coreDumped;
  String raw;

  StraceExit() {}

  public int pid() {
    return pid;
  }

  public long epochMicros() {
    return epochMicros;
  }

  /** True for {@code exited with N}; false when a signal killed the task. */
  public boolean exited() {
    return exited;
  }

  /** The exit code; meaningful only when {@link #exited()}. */
  public int exitCode() {
    return exitCode;
  }

  /** The killing signal's name ({@code SIGKILL}); empty when the task exited. */
  public String signal() {
    return signal;
  }

  public boolean coreDumped() {
    return coreDumped;
  }

  public String raw() {
    return raw;
  }

  public StraceExit copy() {
    StraceExit copy = new StraceExit();
    copy.pid = pid;
    copy.epochMicros = epochMicros;
    copy.exited = exited;
    copy.exitCode = exitCode;
    copy.signal = signal;
    copy.coreDumped = coreDumped;
    copy.raw = raw;
    return copy;
  }

  @Override
  public String toString() {
    return pid
        + (exited
            ? " exited with " + exitCode
            : " killed by " + signal + (coreDumped ? " (core dumped)" : ""));
  }
}
