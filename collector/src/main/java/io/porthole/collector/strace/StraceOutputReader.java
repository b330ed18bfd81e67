package io.porthole.collector.strace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads strace's output from its pipe in large chunks and hands on its lines.
 *
 * <p>strace writes each record in one or two {@code write} calls. A reader blocked in {@code read}
 * is woken by every one of them, and each wake-up competes for a CPU with strace and the traced
 * process, which is stopped until strace resumes it: measured with a reader that waits in {@code
 * read} on every line, strace was preempted about twice as often as when it wrote to {@code
 * /dev/null}. So after a small chunk this reader pauses for a short interval and lets the output
 * collect in the pipe; after a large chunk (a busy trace) it reads on at once, so that strace never
 * waits for a full pipe because of the pause. A quiet trace costs nothing: the next read blocks
 * until strace writes again.
 *
 * <p>Lines end with {@code \n} (a {@code \r} before it is dropped, like {@link
 * java.io.BufferedReader#readLine}); a last line without one is handed on at the end of the stream.
 * Bytes are decoded as UTF-8 per line. Not thread-safe: one reader thread.
 */
final class StraceOutputReader {

  /** How long to let output collect after a small chunk. */
  static final Duration DEFAULT_PAUSE = Duration.ofMillis(10);

  /** A read at least this large means strace is busy: read on without pausing. */
  static final int BUSY_CHUNK = 16 * 1024;

  private static final int CHUNK = 64 * 1024;

  /** Pauses the reader thread (a seam for tests). */
  interface Pause {
    void pause(Duration duration) throws InterruptedException;
  }

  private final InputStream in;
  private final Consumer<String> lines;
  private final Duration pause;
  private final Pause pauser;
  private byte[] buffer = new byte[CHUNK];
  private long reads;
  private long pauses;

  StraceOutputReader(InputStream in, Consumer<String> lines) {
    this(in, lines, DEFAULT_PAUSE, d -> Thread.sleep(d.toMillis()));
  }

  StraceOutputReader(InputStream in, Consumer<String> lines, Duration pause, Pause pauser) {
    this.in = Objects.requireNonNull(in, "in");
    this.lines = Objects.requireNonNull(lines, "lines");
    this.pause = Objects.requireNonNull(pause, "pause");
    this.pauser = Objects.requireNonNull(pauser, "pauser");
  }

  /**
   * Reads until the end of the stream, handing on every line.
   *
   * @throws IOException when reading fails
   * @throws InterruptedException when the thread is interrupted during a pause
   */
  void readAll() throws IOException, InterruptedException {
    int start = 0; // first byte of the line being collected
    int end = 0; // end of the bytes read so far
    while (true) {
      if (end == buffer.length) {
        if (start > 0) {
          System.arraycopy(buffer, start, buffer, 0, end - start);
          end -= start;
          start = 0;
        } else {
          buffer = Arrays.copyOf(buffer, buffer.length * 2); // one line longer than the buffer
        }
      }
      int n = in.read(buffer, end, buffer.length - end);
      if (n < 0) {
        break;
      }
      reads++;
      int scanFrom = end;
      end += n;
      for (int i = scanFrom; i < end; i++) {
        if (buffer[i] == '\n') {
          emit(start, i);
          start = i + 1;
        }
      }
      if (start == end) {
        start = 0;
        end = 0;
      }
      if (n < BUSY_CHUNK) {
        pauses++;
        pauser.pause(pause);
      }
    }
    if (end > start) {
      emit(start, end);
    }
  }

  private void emit(int from, int to) {
    int length = to - from;
    if (length > 0 && buffer[to - 1] == '\r') {
      length--;
    }
    lines.accept(new String(buffer, from, length, StandardCharsets.UTF_8));
  }

  /** Reads from the stream so far. */
  long reads() {
    return reads;
  }

  /** Pauses taken so far. */
  long pauses() {
    return pauses;
  }
}
