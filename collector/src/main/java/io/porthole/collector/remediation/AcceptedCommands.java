package io.porthole.collector.remediation;

import io.porthole.collector.DurableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of the commands this collector accepted, so that a command copied from the topic and
 * published again is never executed twice. An id is kept until its command's expiry plus the
 * allowed clock skew: after that every copy of it is refused as expired anyway. Append-only file,
 * one {@code <keep-until epoch second> <base64url id>} line per id, forced to disk before the
 * command runs, rewritten without the expired lines at start and whenever it has grown to twice the
 * live ids. A torn last line (a crash while appending) is skipped. Thread-safe; blocking file I/O.
 */
public final class AcceptedCommands implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AcceptedCommands.class);

  /** What {@link #accept} decided. */
  public enum Decision {
    /** Recorded (on disk): the command may run. */
    ACCEPTED,
    /** Accepted before: the command must not run again. */
    DUPLICATE,
    /** As many ids as allowed are remembered: refused rather than forgetting one. */
    FULL
  }

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final Path file;
  private final Duration clockSkew;
  private final int maxIds;
  private final Map<String, Long> keepUntilById = new HashMap<>();
  private FileChannel appender;
  private long linesInFile;
  private long skippedLines;

  public AcceptedCommands(Path file, Duration clockSkew, int maxIds) {
    this.file = Objects.requireNonNull(file, "file");
    this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
    this.maxIds = maxIds;
  }

  /** Reads the file, drops what expired, rewrites it compacted and opens it for appending. */
  public synchronized void open(Instant now) throws IOException {
    keepUntilById.clear();
    skippedLines = 0;
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        parse(line);
      }
    }
    purge(now);
    compact();
  }

  /** Whether the id was accepted and is still remembered. */
  public synchronized boolean contains(String commandId) {
    return keepUntilById.containsKey(commandId);
  }

  /**
   * Records the id unless it was accepted before; the line is on disk when this returns ACCEPTED.
   *
   * @param expiresAt the command's expiry (the id is kept until it plus the clock skew)
   */
  public synchronized Decision accept(String commandId, Instant expiresAt, Instant now) throws IOException {
    if (appender == null) {
      throw new IllegalStateException("accepted command ids are not open");
    }
    if (keepUntilById.containsKey(commandId)) {
      return Decision.DUPLICATE;
    }
    if (keepUntilById.size() >= maxIds) {
      purge(now);
      if (keepUntilById.size() >= maxIds) {
        return Decision.FULL;
      }
    }
    long keepUntil = expiresAt.plus(clockSkew).getEpochSecond() + 1;
    ByteBuffer line = ByteBuffer.wrap(line(commandId, keepUntil).getBytes(StandardCharsets.US_ASCII));
    while (line.hasRemaining()) {
      appender.write(line);
    }
    appender.force(false);
    keepUntilById.put(commandId, keepUntil);
    linesInFile++;
    if (linesInFile > 2L * keepUntilById.size() + 1024) {
      purge(now);
      try {
        compact();
      } catch (IOException e) {
        // The id is on disk already: a failed compaction costs space, not the command, and the
        // file stays open for the next one (the next start compacts again).
        LOG.warn("cannot compact {}: {}", file, e.toString());
        if (appender == null) {
          appender = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
      }
    }
    return Decision.ACCEPTED;
  }

  public synchronized int size() {
    return keepUntilById.size();
  }

  /** Lines of the file that could not be read at {@link #open} (a torn last line after a crash). */
  public synchronized long skippedLines() {
    return skippedLines;
  }

  @Override
  public synchronized void close() throws IOException {
    if (appender != null) {
      appender.close();
      appender = null;
    }
  }

  private void parse(String line) {
    int space = line.indexOf(' ');
    try {
      long keepUntil = Long.parseLong(line.substring(0, space));
      String id = new String(DECODER.decode(line.substring(space + 1)), StandardCharsets.UTF_8);
      keepUntilById.merge(id, keepUntil, Math::max);
    } catch (RuntimeException e) {
      skippedLines++;
    }
  }

  private void purge(Instant now) {
    long nowSecond = now.getEpochSecond();
    keepUntilById.values().removeIf(keepUntil -> keepUntil < nowSecond);
  }

  private void compact() throws IOException {
    close();
    List<String> lines = keepUntilById.entrySet().stream().map(e -> line(e.getKey(), e.getValue())).toList();
    DurableFile.replace(file, String.join("", lines).getBytes(StandardCharsets.US_ASCII));
    linesInFile = lines.size();
    appender = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  private static String line(String commandId, long keepUntil) {
    return keepUntil + " " + ENCODER.encodeToString(commandId.getBytes(StandardCharsets.UTF_8)) + "\n";
  }
}
