package io.porthole.controller.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The last events of the alert stream, so that a client reconnecting with {@code Last-Event-ID}
 * gets what it missed. Event ids are {@code EPOCH-SEQ}: the epoch names this stream (a new one at
 * every start of the controller), the sequence counts its events from 1. An id from another epoch,
 * older than the oldest event kept, or not of this form cannot be resumed: the client must reload.
 * Plain Java; callers serialise access.
 */
final class StreamReplay {

  /**
   * One event: its sequence number, and its whole frame ({@code id:}, {@code event:}, {@code
   * data:}) built when first asked for, so that events no client is sent cost no rendering.
   */
  final class Event {
    private final long seq;
    private final String name;
    private final Supplier<String> data;
    private String frame;

    private Event(long seq, String name, Supplier<String> data) {
      this.seq = seq;
      this.name = name;
      this.data = data;
    }

    long seq() {
      return seq;
    }

    /** The frame; callers serialise access as for the replay itself. */
    String frame() {
      if (frame == null) {
        frame = "id: " + id(seq) + "\nevent: " + name + "\ndata: " + data.get() + "\n\n";
      }
      return frame;
    }
  }

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
    return append(name, () -> data).frame();
  }

  /** Appends an event named {@code name} whose one line of data is rendered when first needed. */
  Event append(String name, Supplier<String> data) {
    Event event = new Event(++lastSeq, name, data);
    events.add(event);
    if (events.size() > max) {
      events.poll();
    }
    return event;
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
