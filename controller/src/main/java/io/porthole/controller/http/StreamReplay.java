package io.porthole.controller.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The last events of the alert stream, so that a client reconnecting with {@code Last-Event-ID}
 * gets what it missed. Event ids are {@code EPOCH-SEQ}: the epoch names this stream (a new one at
 * every start of the controller), the sequence counts its events from 1. An id from another epoch,
 * older than the oldest event kept, or not of this form cannot be resumed: the client must reload.
 * Plain Java; callers serialise access.
 */
final class StreamReplay {

  /**
   * One event: its sequence number and its whole frame ({@code id:}, {@code event:}, {@code
   * data:}).
   */
  record Event(long seq, String frame) {}

  private final String epoch;
  private final int max;
  private final ArrayDeque<Event> events;
  private long lastSeq;

  StreamReplay(String epoch, int max) {
    this.epoch = Objects.requireNonNull(epoch, "epoch");
    if (epoch.isEmpty() || epoch.contains("-") || max < 1) {
      throw new IllegalArgumentException("epoch must be non-empty without '-', max positive");
    }
    this.max = max;
    this.events = new ArrayDeque<>(Math.min(max, 1024));
  }

  /** Appends an event named {@code name} with one line of data and returns its frame. */
  String append(String name, String data) {
    long seq = ++lastSeq;
    String frame = "id: " + id(seq) + "\nevent: " + name + "\ndata: " + data + "\n\n";
    events.add(new Event(seq, frame));
    if (events.size() > max) {
      events.poll();
    }
    return frame;
  }

  /** The id of the newest event ({@code EPOCH-0} before the first). */
  String lastId() {
    return id(lastSeq);
  }

  /**
   * The frames of the events after {@code lastEventId}, oldest first (none when it is the newest);
   * empty when it cannot be resumed.
   */
  Optional<List<String>> after(String lastEventId) {
    int dash = lastEventId.lastIndexOf('-');
    if (dash <= 0 || !lastEventId.substring(0, dash).equals(epoch)) {
      return Optional.empty();
    }
    long seq;
    try {
      seq = Long.parseLong(lastEventId.substring(dash + 1));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    long oldestKept = events.isEmpty() ? lastSeq + 1 : events.peek().seq();
    if (seq < 0 || seq > lastSeq || seq < oldestKept - 1) {
      return Optional.empty();
    }
    List<String> missed = new ArrayList<>();
    for (Event event : events) {
      if (event.seq() > seq) {
        missed.add(event.frame());
      }
    }
    return Optional.of(missed);
  }

  int size() {
    return events.size();
  }

  private String id(long seq) {
    return epoch + "-" + seq;
  }
}
