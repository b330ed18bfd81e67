package io.porthole.collector.remediation;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link CommandRunner} over {@link ProcessBuilder}; no shell, arguments passed as they are.
 *
 * <p>Both output streams are drained on their own threads while this one waits with the timeout:
 * reading a stream to its end first would wait as long as the process keeps it open, so a hung
 * {@code ip} or {@code nsenter} would never time out. On timeout the process is killed. Each stream
 * keeps at most {@link #MAX_OUTPUT_BYTES}; the rest is read and dropped so that the process never
 * blocks on a full pipe.
 */
public final class ProcessCommandRunner implements CommandRunner {

  static final int MAX_OUTPUT_BYTES = 1 << 20;
  // After the process exited (or was killed), how long its streams may take to reach their end.
  private static final long DRAIN_MILLIS = 2000;

  @Override
  public ProcessOutput run(List<String> command, Duration timeout) throws IOException {
    String line = String.join(" ", command);
    Process process =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    BoundedReader stdout =
        BoundedReader.start(process.getInputStream(), "stdout of " + command.get(0));
    BoundedReader stderr =
        BoundedReader.start(process.getErrorStream(), "stderr of " + command.get(0));
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        throw new IOException(
            line + " did not finish within " + timeout.toMillis() + " ms and was killed");
      }
      return new ProcessOutput(
          List.copyOf(command),
          process.exitValue(),
          stdout.text(DRAIN_MILLIS),
          stderr.text(DRAIN_MILLIS));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + line, e);
    }
  }

  /**
   * Reads one stream to its end on a daemon thread, keeping the first {@link #MAX_OUTPUT_BYTES}.
   */
  private static final class BoundedReader implements Runnable {

    private final InputStream in;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread thread;
    private boolean truncated;

    private BoundedReader(InputStream in, String name) {
      this.in = in;
      this.thread = new Thread(this, "porthole-process-" + name);
      this.thread.setDaemon(true);
    }

    static BoundedReader start(InputStream in, String name) {
      BoundedReader reader = new BoundedReader(in, name);
      reader.thread.start();
      return reader;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        int read;
        while ((read = in.read(buffer)) >= 0) {
          synchronized (this) {
            int keep = Math.max(0, Math.min(read, MAX_OUTPUT_BYTES - kept.size()));
            kept.write(buffer, 0, keep);
            truncated |= keep < read;
          }
        }
      } catch (IOException e) {
        // The stream closed under us (process killed): what was read so far is the output.
      }
    }

    String text(long waitMillis) throws InterruptedException {
      thread.join(waitMillis);
      synchronized (this) {
        String text = kept.toString(StandardCharsets.UTF_8);
        return truncated ? text + "\n[output truncated at " + MAX_OUTPUT_BYTES + " bytes]" : text;
      }
    }
  }
}
