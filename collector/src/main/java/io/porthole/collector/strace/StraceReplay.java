package io.porthole.collector.strace;

import io.porthole.collector.CollectorStats;
import io.porthole.collector.EventSink;
import io.porthole.wire.Topic;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a recorded strace log ({@code strace -f -tt -T [-q] -o FILE}, or strace's stderr) through
 * the same parser and batcher as live tracing and hands the SyscallBatch envelopes to a sink
 * ({@code porthole replay --strace FILE}). Batches cover intervals of the events' own time, so a
 * replay yields the batches live tracing would have published.
 *
 * <p>{@code -tt} lines carry only the time of day: the day is the file's last-modified day in the
 * given zone unless one is given.
 */
public final class StraceReplay {

  /** What a replay did; {@link #toString()} is the one summary line the CLI prints on stderr. */
  public record ReplaySummary(
      long linesRead,
      long eventsProduced,
      long syscalls,
      long exits,
      long linesUnparsed,
      long batches,
      long droppedEvents) {

    @Override
    public String toString() {
      return "strace replay: "
          + linesRead
          + " lines read, "
          + eventsProduced
          + " events produced ("
          + syscalls
          + " syscalls, "
          + exits
          + " exits) in "
          + batches
          + " batches, "
          + linesUnparsed
          + " lines unparsed"
          + (droppedEvents > 0 ? ", " + droppedEvents + " events dropped (batch bound)" : "");
    }
  }

  public static final int DEFAULT_MAX_EVENTS_PER_BATCH = 10_000;

  private final Duration batchInterval;
  private final int maxEventsPerBatch;
  private final ZoneId zone;
  private final LocalDate day;

  /** 250 ms batches of at most 10,000 syscalls, the system zone, the file's day. */
  public StraceReplay() {
    this(Duration.ofMillis(250), DEFAULT_MAX_EVENTS_PER_BATCH, ZoneId.systemDefault(), null);
  }

  /**
   * @param zone the zone of the clock strace printed
   * @param day the day the recording started; null for the file's last-modified day
   */
  public StraceReplay(Duration batchInterval, int maxEventsPerBatch, ZoneId zone, LocalDate day) {
    this.batchInterval = Objects.requireNonNull(batchInterval, "batchInterval");
    this.maxEventsPerBatch = maxEventsPerBatch;
    this.zone = Objects.requireNonNull(zone, "zone");
    this.day = day;
  }

  /**
   * Replays the file; every envelope goes to {@code sink} on {@link Topic#SYSCALLS}.
   *
   * @throws IOException when the file cannot be read (bad lines are counted, never thrown)
   */
  public ReplaySummary run(Path file, String hostId, String containerId, EventSink sink)
      throws IOException {
    LocalDate recordingDay =
        day != null ? day : LocalDate.ofInstant(Files.getLastModifiedTime(file).toInstant(), zone);
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), 1 << 16)) {
      return run(reader, recordingDay, hostId, containerId, sink);
    }
  }

  /** Replays lines from a reader (stdin, tests) recorded on {@code recordingDay}. */
  public ReplaySummary run(
      BufferedReader reader,
      LocalDate recordingDay,
      String hostId,
      String containerId,
      EventSink sink)
      throws IOException {
    Objects.requireNonNull(sink, "sink");
    AtomicLong eventClock = new AtomicLong();
    SyscallBatcher batcher =
        new SyscallBatcher(
            hostId,
            containerId,
            "replay",
            batchInterval,
            maxEventsPerBatch,
            eventClock::get,
            envelope -> sink.emit(Topic.SYSCALLS, envelope));
    BatchingListener listener =
        new BatchingListener(batcher, new CollectorStats(), eventClock::set);
    StraceLineParser parser = new StraceLineParser(recordingDay, zone, listener);
    String line;
    while ((line = reader.readLine()) != null) {
      parser.accept(line);
    }
    parser.finish();
    batcher.flush();
    return new ReplaySummary(
        parser.linesRead(),
        batcher.eventsBatched() + batcher.exitsBatched(),
        batcher.eventsBatched(),
        batcher.exitsBatched(),
        parser.linesUnparsed(),
        batcher.batches(),
        batcher.droppedEvents());
  }
}
