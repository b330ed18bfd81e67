package io.porthole.collector.remediation;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.collector.DurableFile;
import io.porthole.proto.RemediationCommand;
import io.porthole.wire.Timestamps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of the commands this collector accepted, so that a command copied from the topic and
 * published again is never executed twice. An id is kept until the later of its command's expiry
 * plus the allowed clock skew (after that every copy of it is refused as expired anyway) and its
 * acceptance plus the retention ({@link CommandVerification#retention()}: the longest command
 * lifetime plus the skew), so that an id is remembered for at least that long whatever its
 * command's own expiry says.
 *
 * <p>It also knows which accepted commands were never answered: a command is recorded with its
 * bytes when accepted, and marked {@link #answered} once its results were acknowledged. The ones
 * still unanswered when the file is opened were interrupted by a crash or a restart ({@link
 * #interrupted}): the collector reports them FAILED, so that no command stays in flight forever.
 *
 * <p>Append-only file, forced to disk at each line: {@code <keep-until epoch second> <base64url id>
 * <base64url command>} when a command is accepted, {@code <keep-until> <base64url id>} when it was
 * answered (the last line of an id wins). Rewritten without the expired ids at start and whenever
 * it has grown to twice the live ids; an unanswered id is kept past its expiry until it is
 * answered. A torn last line (a crash while appending, before the command ran) is skipped.
 * Thread-safe; blocking file I/O.
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
  private final Duration retention;
  private final int maxIds;
  private final Map<String, Long> keepUntilById = new HashMap<>();

  /** Accepted and not answered, by id, in the order accepted. */
  private final Map<String, RemediationCommand> unanswered = new LinkedHashMap<>();

  private List<RemediationCommand> interruptedAtOpen = List.of();
  private FileChannel appender;
  private long linesInFile;
  private long skippedLines;

  /**
   * @param clockSkew how far a command's expiry may be behind another clock's
   * @param retention the least time an accepted id is kept ({@link
   *     CommandVerification#retention()})
   * @param maxIds how many ids may be kept at once
   */
  public AcceptedCommands(Path file, Duration clockSkew, Duration retention, int maxIds) {
    this.file = Objects.requireNonNull(file, "file");
    this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
    this.retention = Objects.requireNonNull(retention, "retention");
    this.maxIds = maxIds;
  }

  /** Reads the file, drops what expired, rewrites it compacted and opens it for appending. */
  public synchronized void open(Instant now) throws IOException {
    keepUntilById.clear();
    unanswered.clear();
    skippedLines = 0;
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        parse(line);
      }
    }
    interruptedAtOpen = List.copyOf(unanswered.values());
    purge(now);
    compact();
  }

  /** The commands that were accepted and not answered when the file was opened, oldest first. */
  public synchronized List<RemediationCommand> interrupted() {
    return interruptedAtOpen;
  }

  /** Whether the id was accepted and is still remembered. */
  public synchronized boolean contains(String commandId) {
    return keepUntilById.containsKey(commandId);
  }

  /**
   * Records the command unless its id was accepted before; the line is on disk when this returns
   * ACCEPTED. The id is kept until the later of the command's expiry plus the clock skew and {@code
   * now} plus the retention.
   */
  public synchronized Decision accept(RemediationCommand command, Instant now) throws IOException {
    if (appender == null) {
      throw new IllegalStateException("accepted command ids are not open");
    }
    String commandId = command.getCommandId();
    Instant expiresAt = Timestamps.toInstant(command.getExpiresAt());
    if (keepUntilById.containsKey(commandId)) {
      return Decision.DUPLICATE;
    }
    if (keepUntilById.size() >= maxIds) {
      purge(now);
      if (keepUntilById.size() >= maxIds) {
        return Decision.FULL;
      }
    }
    long keepUntil =
        Math.max(expiresAt.plus(clockSkew).getEpochSecond(), now.plus(retention).getEpochSecond())
            + 1;
    append(line(commandId, keepUntil, command));
    keepUntilById.put(commandId, keepUntil);
    unanswered.put(commandId, command);
    compactIfLarge(now);
    return Decision.ACCEPTED;
  }

  /**
   * Marks an accepted command answered: its results were acknowledged (on disk when this returns).
   */
  public synchronized void answered(String commandId, Instant now) throws IOException {
    if (appender == null) {
      throw new IllegalStateException("accepted command ids are not open");
    }
    Long keepUntil = keepUntilById.get(commandId);
    if (keepUntil == null || unanswered.remove(commandId) == null) {
      return;
    }
    append(line(commandId, keepUntil, null));
    compactIfLarge(now);
  }

  private void append(String text) throws IOException {
    ByteBuffer line = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    while (line.hasRemaining()) {
      appender.write(line);
    }
    appender.force(false);
    linesInFile++;
  }

  private void compactIfLarge(Instant now) throws IOException {
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
    String[] fields = line.split(" ", -1);
    try {
      if (fields.length < 2 || fields.length > 3) {
        throw new IllegalArgumentException("not 2 or 3 fields");
      }
      long keepUntil = Long.parseLong(fields[0]);
      String id = new String(DECODER.decode(fields[1]), StandardCharsets.UTF_8);
      RemediationCommand command =
          fields.length == 3 ? RemediationCommand.parseFrom(DECODER.decode(fields[2])) : null;
      if (command != null && !command.getCommandId().equals(id)) {
        throw new IllegalArgumentException("the command is not the id's");
      }
      keepUntilById.merge(id, keepUntil, Math::max);
      if (command == null) {
        unanswered.remove(id);
      } else {
        unanswered.put(id, command);
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      skippedLines++;
    }
  }

  private void purge(Instant now) {
    long nowSecond = now.getEpochSecond();
    keepUntilById
        .entrySet()
        .removeIf(e -> e.getValue() < nowSecond && !unanswered.containsKey(e.getKey()));
  }

  private void compact() throws IOException {
    close();
    List<String> lines = new ArrayList<>();
    keepUntilById.forEach((id, keepUntil) -> lines.add(line(id, keepUntil, unanswered.get(id))));
    DurableFile.replace(file, String.join("", lines).getBytes(StandardCharsets.US_ASCII));
    linesInFile = lines.size();
    appender = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  private static String line(String commandId, long keepUntil, RemediationCommand unanswered) {
    String line =
        keepUntil + " " + ENCODER.encodeToString(commandId.getBytes(StandardCharsets.UTF_8));
    return unanswered == null
        ? line + "\n"
        : line + " " + ENCODER.encodeToString(unanswered.toByteArray()) + "\n";
  }
}
