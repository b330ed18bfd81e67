package io.porthole.collector.strace;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Streaming parser of one strace session's output ({@code strace -f -tt -T}, with or without {@code
 * -q}, written to stderr or with {@code -o FILE}). Feed it line by line with {@link
 * #accept(String)}; it calls its {@link Listener} with syscalls, task exits, signals and strace's
 * own notices. Not thread-safe: one parser per traced session, fed by one thread.
 *
 * <p>Line forms: {@code [pid N] HH:MM:SS.micros body} (several tasks traced), {@code
 * HH:MM:SS.micros body} (one task traced: the pid is the one task still alive), {@code N
 * HH:MM:SS.micros body} (the {@code -o FILE} form). Bodies: {@code name(args) = ret [ERRNO (text)]
 * <secs>}, {@code name(args <unfinished ...>} later joined with {@code <... name resumed>rest} of
 * the same pid (pending halves are bounded), {@code +++ exited with N +++}, {@code +++ killed by
 * SIG (core dumped) +++}, {@code --- SIGNAL {...} ---}. Without {@code -q}, strace splices {@code
 * strace: Process N attached} into the middle of a line; the two halves are put back together.
 * Anything else is counted as unparsed and reported to {@link Listener#unparsed}; nothing throws.
 *
 * <p>Hot path: hand-written scanning, no regular expressions, no allocation per line beyond what
 * the listener asks for (the {@link StraceSyscall}/{@link StraceExit} handed out are reused).
 */
public final class StraceLineParser {

  /** What the parser found. Called on the feeding thread; the objects are reused after return. */
  public interface Listener {
    void syscall(StraceSyscall call);

    void exit(StraceExit exit);

    /** A signal delivered to a task ({@code --- SIGCHLD {...} ---}). */
    default void signal(int pid, long epochMicros, String signal, String raw) {}

    /** A line strace wrote about itself ({@code strace: Process 12 attached}, attach errors). */
    default void notice(String text) {}

    /** A line that could not be parsed (already counted). */
    default void unparsed(String line) {}

    /**
     * An unfinished call was dropped before its resumed half arrived: too many were waiting
     * (already counted in {@link #pendingEvicted()}).
     */
    default void unfinishedEvicted() {}
  }

  public static final int DEFAULT_MAX_PENDING = 4096;

  private static final String UNFINISHED = " <unfinished ...>";
  private static final String RESUMED = " resumed>";
  private static final String NOTICE = "strace: ";
  private static final String PROCESS_NOTICE = "strace: Process ";
  private static final long MICROS_PER_DAY = 86_400_000_000L;
  private static final long HALF_DAY_MICROS = MICROS_PER_DAY / 2;

  private final Listener listener;
  private final int maxPending;
  private final StraceSyscall call = new StraceSyscall();
  private final StraceExit exit = new StraceExit();
  private final String[] names = new String[512];
  private final LinkedHashMap<Integer, Pending> pending;
  private int[] live = new int[16];
  private int liveCount;
  private int lastPid = -1;
  private long dayStartMicros;
  private long lastTimeOfDay = -1;
  private String splicedHead;
  private String splicedNoticeText;

  private long linesRead;
  private long linesUnparsed;
  private long syscalls;
  private long exits;
  private long signals;
  private long notices;
  private long pendingEvicted;

  /**
   * @param day the session's day: {@code -tt} prints only the time of day (crossing midnight is
   *     detected)
   * @param zone the zone of the clock strace printed (the host's)
   */
  public StraceLineParser(LocalDate day, ZoneId zone, Listener listener) {
    this(day, zone, listener, DEFAULT_MAX_PENDING);
  }

  /**
   * @param maxPending bound of unfinished calls waiting for their resumed half (oldest evicted)
   */
  public StraceLineParser(LocalDate day, ZoneId zone, Listener listener, int maxPending) {
    this.listener = Objects.requireNonNull(listener, "listener");
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be positive");
    }
    this.maxPending = maxPending;
    this.pending =
        new LinkedHashMap<>(64, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Integer, Pending> eldest) {
            if (size() > StraceLineParser.this.maxPending) {
              pendingEvicted++;
              listener.unfinishedEvicted();
              return true;
            }
            return false;
          }
        };
    this.dayStartMicros = day.atStartOfDay(zone).toEpochSecond() * 1_000_000L;
  }

  /**
   * Tells the parser a task is traced (the pids given with {@code -p}): unprefixed lines can be
   * attributed.
   */
  public void tracing(int pid) {
    addLive(pid);
  }

  public void accept(String line) {
    linesRead++;
    if (splicedHead != null) {
      // The notice was printed when the new task appeared, after the line's start: apply it after.
      String head = splicedHead;
      String splicedNotice = splicedNoticeText;
      splicedHead = null;
      splicedNoticeText = null;
      if (!startsRecord(line)) {
        if (!parseRecord(head + line)) {
          unparsed(head + line);
        }
        notice(splicedNotice);
        return;
      }
      unparsed(head);
      notice(splicedNotice);
    }
    int length = line.length();
    if (length == 0 || isBlank(line)) {
      return;
    }
    if (line.startsWith(NOTICE)) {
      notice(line);
      return;
    }
    if (!parseRecord(line)) {
      int splice = line.indexOf(PROCESS_NOTICE);
      if (splice > 0 && (line.endsWith(" attached") || line.endsWith(" detached"))) {
        splicedNoticeText = line.substring(splice);
        splicedHead = line.substring(0, splice);
        return;
      }
      unparsed(line);
    }
  }

  /**
   * The session ended: unfinished calls still waiting become incomplete syscalls (return {@code
   * ?}), and a spliced half-line left over is counted as unparsed.
   */
  public void finish() {
    if (splicedHead != null) {
      unparsed(splicedHead);
      notice(splicedNoticeText);
      splicedHead = null;
      splicedNoticeText = null;
    }
    Iterator<Pending> it = pending.values().iterator();
    while (it.hasNext()) {
      Pending p = it.next();
      it.remove();
      emitUnfinished(p);
    }
  }

  private boolean parseRecord(String line) {
    int length = line.length();
    int pos = 0;
    int pid = -1;
    char first = line.charAt(0);
    if (first == '[') {
      if (!line.startsWith("[pid", 0)) {
        return false;
      }
      pos = 4;
      while (pos < length && line.charAt(pos) == ' ') {
        pos++;
      }
      int digitsStart = pos;
      int value = 0;
      while (pos < length && isDigit(line.charAt(pos)) && pos - digitsStart < 9) {
        value = value * 10 + (line.charAt(pos) - '0');
        pos++;
      }
      if (pos == digitsStart || pos >= length || line.charAt(pos) != ']') {
        return false;
      }
      pid = value;
      pos++;
    } else if (isDigit(first)) {
      int end = 0;
      int value = 0;
      while (end < length && isDigit(line.charAt(end)) && end < 8) {
        value = value * 10 + (line.charAt(end) - '0');
        end++;
      }
      if (end < length && line.charAt(end) == ' ') {
        pid = value; // the -o FILE form: "PID HH:MM:SS.micros ..."
        pos = end;
      }
    }
    while (pos < length && line.charAt(pos) == ' ') {
      pos++;
    }
    long epochMicros = 0;
    if (pos < length && isDigit(line.charAt(pos))) {
      int timeEnd = line.indexOf(' ', pos);
      if (timeEnd < 0) {
        return false;
      }
      epochMicros = parseTime(line, pos, timeEnd);
      if (epochMicros < 0) {
        return false;
      }
      pos = timeEnd + 1;
    }
    if (pos >= length) {
      return false;
    }
    pid = resolvePid(pid);
    char c = line.charAt(pos);
    if (c == '+') {
      return parseExit(line, pos, pid, epochMicros);
    }
    if (c == '-') {
      return parseSignal(line, pos, pid, epochMicros);
    }
    if (c == '<') {
      return parseResumed(line, pos, pid, epochMicros);
    }
    if (isNameChar(c)) {
      return parseCall(line, pos, pid, epochMicros);
    }
    return false;
  }

  private boolean parseCall(String line, int pos, int pid, long epochMicros) {
    int length = line.length();
    int nameEnd = pos;
    while (nameEnd < length && isNameChar(line.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd >= length || line.charAt(nameEnd) != '(') {
      return false;
    }
    if (line.endsWith(UNFINISHED)) {
      Pending previous = pending.remove(pid);
      if (previous != null) {
        emitUnfinished(previous);
      }
      String name = ErrnoNames.intern(names, line, pos, nameEnd);
      pending.put(
          pid,
          new Pending(
              pid, epochMicros, name, line.substring(pos, length - UNFINISHED.length()), line));
      return true;
    }
    return completeCall(line, pos, nameEnd, pid, epochMicros, null, line, false);
  }

  private boolean parseResumed(String line, int pos, int pid, long epochMicros) {
    if (!line.startsWith("<... ", pos)) {
      return false;
    }
    int nameStart = pos + 5;
    int marker = line.indexOf(RESUMED, nameStart);
    if (marker <= nameStart) {
      return false;
    }
    for (int i = nameStart; i < marker; i++) {
      if (!isNameChar(line.charAt(i))) {
        return false;
      }
    }
    int tail = marker + RESUMED.length();
    Pending head = pending.remove(pid);
    if (head != null
        && head.name.length() == marker - nameStart
        && head.name.regionMatches(0, line, nameStart, marker - nameStart)) {
      String joined = head.text + line.substring(tail);
      boolean ok =
          completeCall(joined, 0, head.name.length(), pid, head.epochMicros, head.raw, line, false);
      if (!ok) {
        unparsed(head.raw);
      }
      return ok;
    }
    if (head != null) {
      emitUnfinished(head);
    }
    // The unfinished half was never seen (attached mid-call, or evicted): keep what there is.
    String name = line.substring(nameStart, marker);
    String text = name + "(" + line.substring(tail);
    return completeCall(text, 0, name.length(), pid, epochMicros, null, line, true);
  }

  /** Parses {@code name(args) = ret [ERRNO (text)] [<secs>]} in text from nameStart. */
  private boolean completeCall(
      String text,
      int nameStart,
      int nameEnd,
      int pid,
      long epochMicros,
      String rawHead,
      String raw,
      boolean incomplete) {
    int end = text.length();
    while (end > nameEnd && text.charAt(end - 1) == ' ') {
      end--;
    }
    long duration = -1;
    if (end > nameEnd && text.charAt(end - 1) == '>') {
      int open = text.lastIndexOf('<', end - 1);
      if (open > nameEnd) {
        duration = parseDuration(text, open + 1, end - 1);
        if (duration >= 0) {
          end = open;
          while (end > nameEnd && text.charAt(end - 1) == ' ') {
            end--;
          }
        }
      }
    }
    int argsEnd = -1;
    int equals = end;
    while (true) {
      equals = text.lastIndexOf(" = ", equals - 1);
      if (equals <= nameEnd) {
        return false;
      }
      int k = equals;
      while (k > nameEnd && text.charAt(k - 1) == ' ') {
        k--;
      }
      if (k > nameEnd && text.charAt(k - 1) == ')') {
        argsEnd = k - 1;
        break;
      }
    }
    int argsStart = nameEnd + 1;
    if (argsEnd < argsStart) {
      return false;
    }
    if (text.startsWith(UNFINISHED, argsEnd - UNFINISHED.length())
        && argsEnd - UNFINISHED.length() >= argsStart) {
      argsEnd -=
          UNFINISHED.length(); // "name(args <unfinished ...>) = ?": the task died in the call
    }
    int retStart = equals + 3;
    int retEnd = retStart;
    while (retEnd < end && text.charAt(retEnd) != ' ') {
      retEnd++;
    }
    if (retEnd == retStart) {
      return false;
    }
    StraceSyscall c = call;
    c.reset();
    c.text = text;
    c.raw = raw;
    c.rawHead = rawHead;
    c.name = ErrnoNames.intern(names, text, nameStart, nameEnd);
    c.pid = pid;
    c.epochMicros = epochMicros;
    c.durationMicros = duration;
    c.argsStart = argsStart;
    c.argsEnd = argsEnd;
    c.returnStart = retStart;
    c.returnEnd = retEnd;
    c.incomplete = incomplete;
    parseReturnCode(c, text, retStart, retEnd);
    int p = retEnd + 1;
    if (p < end && text.charAt(p) == 'E') {
      int errnoEnd = p + 1;
      while (errnoEnd < end && isErrnoChar(text.charAt(errnoEnd))) {
        errnoEnd++;
      }
      if (errnoEnd == end || text.charAt(errnoEnd) == ' ') {
        c.errnoStart = p;
        c.errnoEnd = errnoEnd;
        if (errnoEnd + 1 < end && text.charAt(errnoEnd + 1) == '(') {
          c.errnoTextStart = errnoEnd + 2;
          int close = text.lastIndexOf(')', end - 1);
          c.errnoTextEnd = close >= c.errnoTextStart ? close : end;
        }
      }
    }
    syscalls++;
    listener.syscall(c);
    return true;
  }

  private static void parseReturnCode(StraceSyscall c, String text, int start, int end) {
    int i = start;
    boolean negative = false;
    if (text.charAt(i) == '-') {
      negative = true;
      i++;
    }
    if (i >= end) {
      return;
    }
    long value = 0;
    if (end - i > 2 && text.charAt(i) == '0' && text.charAt(i + 1) == 'x') {
      i += 2;
      if (end - i > 16) {
        return;
      }
      for (; i < end; i++) {
        int digit = Character.digit(text.charAt(i), 16);
        if (digit < 0) {
          return;
        }
        value = (value << 4) | digit;
      }
    } else {
      if (end - i > 18) {
        return;
      }
      for (; i < end; i++) {
        char ch = text.charAt(i);
        if (!isDigit(ch)) {
          return;
        }
        value = value * 10 + (ch - '0');
      }
    }
    c.hasReturnCode = true;
    c.returnCode = negative ? -value : value;
  }

  private boolean parseExit(String line, int pos, int pid, long epochMicros) {
    int length = line.length();
    if (!line.startsWith("+++ ", pos) || !line.endsWith(" +++")) {
      return false;
    }
    int bodyEnd = length - 4;
    int p = pos + 4;
    StraceExit e = exit;
    e.pid = pid;
    e.epochMicros = epochMicros;
    e.raw = line;
    e.coreDumped = false;
    if (line.startsWith("exited with ", p)) {
      p += 12;
      boolean negative = p < bodyEnd && line.charAt(p) == '-';
      if (negative) {
        p++;
      }
      if (p >= bodyEnd || bodyEnd - p > 10) {
        return false;
      }
      long code = 0;
      for (int i = p; i < bodyEnd; i++) {
        if (!isDigit(line.charAt(i))) {
          return false;
        }
        code = code * 10 + (line.charAt(i) - '0');
      }
      e.exited = true;
      e.exitCode = (int) (negative ? -code : code);
      e.signal = "";
    } else if (line.startsWith("killed by ", p)) {
      p += 10;
      int signalEnd = p;
      while (signalEnd < bodyEnd && line.charAt(signalEnd) != ' ') {
        signalEnd++;
      }
      if (signalEnd == p) {
        return false;
      }
      e.exited = false;
      e.exitCode = 0;
      e.signal = ErrnoNames.intern(names, line, p, signalEnd);
      e.coreDumped = line.startsWith(" (core dumped)", signalEnd);
    } else if (line.startsWith("superseded by execve", p)) {
      // A thread called execve: the task goes on under the thread group leader's pid.
      flushPending(pid);
      removeLive(pid);
      notices++;
      listener.notice(line.substring(pos));
      return true;
    } else {
      return false;
    }
    flushPending(pid);
    removeLive(pid);
    exits++;
    listener.exit(e);
    return true;
  }

  private boolean parseSignal(String line, int pos, int pid, long epochMicros) {
    if (!line.startsWith("--- ", pos) || !line.endsWith(" ---")) {
      return false;
    }
    int p = pos + 4;
    if (line.startsWith("stopped by ", p)) {
      p += 11;
    }
    int end = p;
    while (end < line.length() && line.charAt(end) != ' ') {
      end++;
    }
    if (end == p || !line.startsWith("SIG", p)) {
      return false;
    }
    signals++;
    listener.signal(pid, epochMicros, ErrnoNames.intern(names, line, p, end), line);
    return true;
  }

  private void notice(String text) {
    notices++;
    if (text.startsWith(PROCESS_NOTICE)) {
      int p = PROCESS_NOTICE.length();
      int value = 0;
      int start = p;
      while (p < text.length() && isDigit(text.charAt(p)) && p - start < 9) {
        value = value * 10 + (text.charAt(p) - '0');
        p++;
      }
      if (p > start) {
        if (text.startsWith(" attached", p)) {
          addLive(value);
        } else if (text.startsWith(" detached", p)) {
          flushPending(value);
          removeLive(value);
        }
      }
    }
    listener.notice(text);
  }

  private void unparsed(String line) {
    linesUnparsed++;
    listener.unparsed(line);
  }

  private void flushPending(int pid) {
    if (!pending.isEmpty()) {
      Pending p = pending.remove(pid);
      if (p != null) {
        emitUnfinished(p);
      }
    }
  }

  private void emitUnfinished(Pending p) {
    String text = p.text + ") = " + StraceSyscall.UNKNOWN_RETURN;
    if (!completeCall(text, 0, p.name.length(), p.pid, p.epochMicros, null, p.raw, true)) {
      unparsed(p.raw);
    }
  }

  /** Lines without a pid belong to the one task strace traces at that moment. */
  private int resolvePid(int pid) {
    if (pid >= 0) {
      if (pid != lastPid) {
        addLive(pid);
        lastPid = pid;
      }
      return pid;
    }
    return liveCount == 1 ? live[0] : 0;
  }

  private void addLive(int pid) {
    for (int i = 0; i < liveCount; i++) {
      if (live[i] == pid) {
        return;
      }
    }
    if (liveCount == live.length) {
      if (live.length >= 65536) {
        System.arraycopy(live, 1, live, 0, liveCount - 1); // forget the oldest
        liveCount--;
      } else {
        live = Arrays.copyOf(live, live.length * 2);
      }
    }
    live[liveCount++] = pid;
  }

  private void removeLive(int pid) {
    if (pid == lastPid) {
      lastPid = -1;
    }
    for (int i = 0; i < liveCount; i++) {
      if (live[i] == pid) {
        System.arraycopy(live, i + 1, live, i, liveCount - i - 1);
        liveCount--;
        return;
      }
    }
  }

  /**
   * {@code HH:MM:SS.frac} (-tt) or {@code seconds.frac} (-ttt) to epoch micros; -1 when malformed.
   */
  private long parseTime(String line, int start, int end) {
    int dot = -1;
    int colons = 0;
    for (int i = start; i < end; i++) {
      char c = line.charAt(i);
      if (c == '.') {
        if (dot >= 0) {
          return -1;
        }
        dot = i;
      } else if (c == ':') {
        colons++;
      } else if (!isDigit(c)) {
        return -1;
      }
    }
    if (dot < 0 || end - dot - 1 < 1 || end - dot - 1 > 9) {
      return -1;
    }
    long fraction = 0;
    for (int i = dot + 1; i < end; i++) {
      fraction = fraction * 10 + (line.charAt(i) - '0');
    }
    for (int i = end - dot - 1; i < 6; i++) {
      fraction *= 10;
    }
    for (int i = end - dot - 1; i > 6; i--) {
      fraction /= 10;
    }
    if (colons == 0) {
      if (dot - start > 12) {
        return -1;
      }
      long seconds = 0;
      for (int i = start; i < dot; i++) {
        seconds = seconds * 10 + (line.charAt(i) - '0');
      }
      return seconds * 1_000_000L + fraction;
    }
    if (colons != 2
        || dot - start != 8
        || line.charAt(start + 2) != ':'
        || line.charAt(start + 5) != ':') {
      return -1;
    }
    int hours = twoDigits(line, start);
    int minutes = twoDigits(line, start + 3);
    int seconds = twoDigits(line, start + 6);
    if (hours > 23 || minutes > 59 || seconds > 60) {
      return -1;
    }
    long timeOfDay = ((hours * 60L + minutes) * 60L + seconds) * 1_000_000L + fraction;
    if (lastTimeOfDay >= 0 && timeOfDay + HALF_DAY_MICROS < lastTimeOfDay) {
      dayStartMicros += MICROS_PER_DAY; // past midnight
    }
    lastTimeOfDay = timeOfDay;
    return dayStartMicros + timeOfDay;
  }

  private static int twoDigits(String line, int at) {
    char a = line.charAt(at);
    char b = line.charAt(at + 1);
    if (!isDigit(a) || !isDigit(b)) {
      return 99;
    }
    return (a - '0') * 10 + (b - '0');
  }

  /** {@code 0.000014} to micros; -1 when it is not a duration. */
  private static long parseDuration(String text, int start, int end) {
    long seconds = 0;
    long fraction = 0;
    int fractionDigits = 0;
    boolean dot = false;
    if (start >= end) {
      return -1;
    }
    for (int i = start; i < end; i++) {
      char c = text.charAt(i);
      if (c == '.') {
        if (dot) {
          return -1;
        }
        dot = true;
      } else if (isDigit(c)) {
        if (dot) {
          if (fractionDigits < 6) {
            fraction = fraction * 10 + (c - '0');
            fractionDigits++;
          }
        } else {
          seconds = seconds * 10 + (c - '0');
        }
      } else {
        return -1;
      }
    }
    if (!dot) {
      return -1;
    }
    for (; fractionDigits < 6; fractionDigits++) {
      fraction *= 10;
    }
    return seconds * 1_000_000L + fraction;
  }

  private static boolean startsRecord(String line) {
    if (line.isEmpty()) {
      return false;
    }
    char c = line.charAt(0);
    if (c == '[') {
      return line.startsWith("[pid");
    }
    if (line.startsWith(NOTICE)) {
      return true;
    }
    if (!isDigit(c)) {
      return false;
    }
    int i = 0;
    while (i < line.length() && isDigit(line.charAt(i))) {
      i++;
    }
    return i < line.length()
        && (line.charAt(i) == ':' || line.charAt(i) == ' ' || line.charAt(i) == '.');
  }

  private static boolean isBlank(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) > ' ') {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || c == '_' || isDigit(c) || (c >= 'A' && c <= 'Z');
  }

  private static boolean isErrnoChar(char c) {
    return (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_';
  }

  /** Lines read, a spliced line counted once. */
  public long linesRead() {
    return linesRead;
  }

  public long linesUnparsed() {
    return linesUnparsed;
  }

  public long syscalls() {
    return syscalls;
  }

  public long exits() {
    return exits;
  }

  public long signals() {
    return signals;
  }

  public long notices() {
    return notices;
  }

  /** Unfinished calls dropped because too many were waiting for their resumed half. */
  public long pendingEvicted() {
    return pendingEvicted;
  }

  /** Unfinished calls waiting for their resumed half. */
  public int pendingCount() {
    return pending.size();
  }

  private record Pending(int pid, long epochMicros, String name, String text, String raw) {}
}
