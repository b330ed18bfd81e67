package io.porthole.collector.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where the collector is in the engine's events stream: the time of the last event it handed on
 * (and Kafka acknowledged), the events at exactly that time (the engine's {@code since} is
 * inclusive and several events share a nanosecond timestamp rarely but really), and the containers
 * it knew. Plain Java; its text form is what {@link PositionStore} writes:
 *
 * <pre>
 * porthole-docker-position 1
 * time 1764925600123456789
 * event 3f4c...e1/die
 * container 3f4c...e1 1764925599000000000 1764925600123000000 exited
 * </pre>
 *
 * @param timeNanos engine time of the last handed-on event, nanoseconds since the epoch
 * @param eventsAtTime {@code containerId/rawAction} of the handed-on events at {@code timeNanos}
 * @param containers the containers known at that point, by id
 */
record StreamPosition(
    long timeNanos, Set<String> eventsAtTime, Map<String, KnownContainer> containers) {

  static final String HEADER = "porthole-docker-position 1";

  StreamPosition {
    eventsAtTime = Set.copyOf(eventsAtTime);
    containers = Map.copyOf(containers);
  }

  /** The key of an event in {@link #eventsAtTime}. */
  static String eventKey(String containerId, String rawAction) {
    return containerId + "/" + rawAction;
  }

  /** True when the engine's event at {@code nanos} was already handed on before this position. */
  boolean covers(long nanos, String containerId, String rawAction) {
    return nanos < timeNanos
        || (nanos == timeNanos && eventsAtTime.contains(eventKey(containerId, rawAction)));
  }

  String toText() {
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    text.append("time ").append(timeNanos).append('\n');
    for (String event : eventsAtTime) {
      text.append("event ").append(event.replace('\n', ' ')).append('\n');
    }
    for (KnownContainer c : containers.values()) {
      text.append("container ")
          .append(c.id())
          .append(' ')
          .append(c.startedAtNanos())
          .append(' ')
          .append(c.finishedAtNanos())
          .append(' ')
          .append(c.running() ? "running" : "exited")
          .append('\n');
    }
    return text.toString();
  }

  /**
   * Reads the text form.
   *
   * @throws IllegalArgumentException naming the line that is wrong
   */
  static StreamPosition parse(String text) {
    Objects.requireNonNull(text, "text");
    List<String> lines = new ArrayList<>(List.of(text.split("\n")));
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw new IllegalArgumentException("line 1: expected '" + HEADER + "'");
    }
    Long time = null;
    Set<String> events = new LinkedHashSet<>();
    Map<String, KnownContainer> containers = new LinkedHashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        if (line.startsWith("time ")) {
          time = Long.parseLong(line.substring(5).trim());
        } else if (line.startsWith("event ")) {
          events.add(line.substring(6));
        } else if (line.startsWith("container ")) {
          String[] f = line.substring(10).trim().split(" ");
          if (f.length != 4 || !(f[3].equals("running") || f[3].equals("exited"))) {
            throw new IllegalArgumentException(
                "expected 'container ID STARTED FINISHED running|exited'");
          }
          containers.put(
              f[0],
              new KnownContainer(
                  f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3].equals("running")));
        } else {
          throw new IllegalArgumentException("unknown entry");
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "line " + (i + 1) + " ('" + line + "'): " + e.getMessage(), e);
      }
    }
    if (time == null || time < 0) {
      throw new IllegalArgumentException("no 'time NANOS' line");
    }
    return new StreamPosition(time, events, containers);
  }
}
