package io.porthole.collector.docker;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The position in the engine's events stream up to which every event has been handled: events are
 * begun in stream order and done in any order (Kafka acknowledges records of different partitions
 * independently); the position moves past an event only once it and every event before it are done.
 * An event that needs no record (skipped as already published) is done too. An event that was not
 * handled or whose record Kafka did not take {@link #freeze freezes} the position for the rest of
 * the run: it stays before that event, so the next start replays or reconciles from there
 * (duplicates of what was published after it collapse into the same alert ids). Thread-safe.
 */
final class PositionTracker {

  private static final class Entry {
    final long ticket;
    final long nanos;
    final String key;
    boolean done;

    Entry(long ticket, long nanos, String key) {
      this.ticket = ticket;
      this.nanos = nanos;
      this.key = key;
    }
  }

  private final ArrayDeque<Entry> inFlight = new ArrayDeque<>();
  private final Map<Long, Entry> byTicket = new HashMap<>();
  private long nextTicket;
  private long committedNanos;
  private final Set<String> committedKeys = new LinkedHashSet<>();
  private long version;
  private boolean frozen;

  PositionTracker(StreamPosition start) {
    if (start != null) {
      committedNanos = start.timeNanos();
      committedKeys.addAll(start.eventsAtTime());
    }
  }

  /**
   * An event was received at engine time {@code nanos}; returns the ticket to {@link #done} it
   * with.
   */
  synchronized long begin(long nanos, String key) {
    if (frozen) {
      return -1;
    }
    Entry entry = new Entry(nextTicket++, nanos, key);
    inFlight.add(entry);
    byTicket.put(entry.ticket, entry);
    return entry.ticket;
  }

  synchronized void done(long ticket) {
    Entry entry = byTicket.remove(ticket);
    if (entry == null) {
      return;
    }
    entry.done = true;
    while (!inFlight.isEmpty() && inFlight.peek().done) {
      Entry head = inFlight.poll();
      if (head.nanos > committedNanos) {
        committedNanos = head.nanos;
        committedKeys.clear();
        committedKeys.add(head.key);
        version++;
      } else if (head.nanos == committedNanos && committedKeys.add(head.key)) {
        version++;
      }
    }
  }

  /**
   * Keeps the position where it is for the rest of this run (an event since it was lost before
   * Kafka took it); what is in flight is forgotten, so nothing more is held in memory.
   */
  synchronized void freeze() {
    frozen = true;
    inFlight.clear();
    byTicket.clear();
  }

  synchronized boolean frozen() {
    return frozen;
  }

  /** Events begun and not yet done. */
  synchronized int inFlight() {
    return inFlight.size();
  }

  /** Changes whenever the committed position moves (to save only when it did). */
  synchronized long version() {
    return version;
  }

  synchronized long committedNanos() {
    return committedNanos;
  }

  synchronized Set<String> committedKeys() {
    return Set.copyOf(committedKeys);
  }
}
