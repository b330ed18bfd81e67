package io.porthole.collector.strace;

/**
 * One parsed syscall, as handed to {@link StraceLineParser.Listener#syscall}. The parser reuses one
 * instance for every line (no allocation per line): read what you need inside the callback, or
 * {@link #copy()} it. Text accessors cut their strings on demand.
 */
public final class StraceSyscall {

  /**
   * Return value text of a syscall whose result strace never printed (detach, exit during the
   * call).
   */
  public static final String UNKNOWN_RETURN = "?";

  String text;
  String raw;

  /**
   * The unfinished half of a joined pair; raw() joins lazily so that counting allocates nothing.
   */
  String rawHead;

  String name;
  int pid;
  long epochMicros;
  long durationMicros;
  int argsStart;
  int argsEnd;
  int returnStart;
  int returnEnd;
  int errnoStart;
  int errnoEnd;
  int errnoTextStart;
  int errnoTextEnd;
  boolean hasReturnCode;
  long returnCode;
  boolean incomplete;
  String path;

  StraceSyscall() {}

  void reset() {
    durationMicros = -1;
    returnStart = returnEnd = errnoStart = errnoEnd = errnoTextStart = errnoTextEnd = 0;
    hasReturnCode = false;
    returnCode = 0;
    incomplete = false;
    path = null;
    rawHead = null;
  }

  /**
   * Host pid of the task (strace's {@code [pid N]}, the {@code -o} column, or the one traced task);
   * 0 when unknown.
   */
  public int pid() {
    return pid;
  }

  /**
   * When the syscall started, in microseconds since the epoch (from {@code -tt}); 0 when the line
   * had no time.
   */
  public long epochMicros() {
    return epochMicros;
  }

  /** Time spent in the syscall ({@code -T}), in microseconds; -1 when the line had none. */
  public long durationMicros() {
    return durationMicros;
  }

  public String name() {
    return name;
  }

  /**
   * The raw argument text as strace printed it (the parts of an unfinished/resumed pair joined).
   */
  public String arguments() {
    return text.substring(argsStart, argsEnd);
  }

  /** The raw return value ({@code 3}, {@code -1}, {@code ?}, {@code 0x7f...}). */
  public String returnValue() {
    return returnEnd > returnStart ? text.substring(returnStart, returnEnd) : UNKNOWN_RETURN;
  }

  public boolean hasReturnCode() {
    return hasReturnCode;
  }

  /** The numeric return value; meaningful only when {@link #hasReturnCode()}. */
  public long returnCode() {
    return returnCode;
  }

  /** The errno name of a failing call ({@code ENOENT}); empty when it succeeded. */
  public String errnoName() {
    return errnoEnd > errnoStart ? ErrnoNames.name(text, errnoStart, errnoEnd) : "";
  }

  /** strace's text for the errno ({@code No such file or directory}); empty when none. */
  public String errnoText() {
    return errnoTextEnd > errnoTextStart ? text.substring(errnoTextStart, errnoTextEnd) : "";
  }

  public boolean failed() {
    return errnoEnd > errnoStart;
  }

  /**
   * The path argument, unescaped, for syscalls that have one (openat, execve, stat, ...); empty
   * otherwise.
   */
  public String path() {
    if (path == null) {
      path = SyscallPaths.extract(name, text, argsStart, argsEnd);
    }
    return path;
  }

  /**
   * True when part of the call was not seen: a {@code resumed>} line without its {@code unfinished}
   * half (arguments partial), or an unfinished call whose result never came (return value {@code
   * ?}).
   */
  public boolean incomplete() {
    return incomplete;
  }

  /** The strace line(s) it was parsed from; an unfinished/resumed pair is joined with a newline. */
  public String raw() {
    if (rawHead != null) {
      raw = rawHead + "\n" + raw;
      rawHead = null;
    }
    return raw;
  }

  /** A detached copy that stays valid after the callback returns. */
  public StraceSyscall copy() {
    StraceSyscall copy = new StraceSyscall();
    copy.text = text;
    copy.raw = raw;
    copy.rawHead = rawHead;
    copy.name = name;
    copy.pid = pid;
    copy.epochMicros = epochMicros;
    copy.durationMicros = durationMicros;
    copy.argsStart = argsStart;
    copy.argsEnd = argsEnd;
    copy.returnStart = returnStart;
    copy.returnEnd = returnEnd;
    copy.errnoStart = errnoStart;
    copy.errnoEnd = errnoEnd;
    copy.errnoTextStart = errnoTextStart;
    copy.errnoTextEnd = errnoTextEnd;
    copy.hasReturnCode = hasReturnCode;
    copy.returnCode = returnCode;
    copy.incomplete = incomplete;
    copy.path = path;
    return copy;
  }

  @Override
  public String toString() {
    return pid
        + " "
        + name
        + "("
        + arguments()
        + ") = "
        + returnValue()
        + (failed() ? " " + errnoName() + " (" + errnoText() + ")" : "");
  }
}
