package io.porthole.collector.docker;

import com.google.protobuf.Timestamp;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.wire.Timestamps;
import java.util.Objects;

/**
 * What the collector last published about a container, kept with the stream position so that after
 * its own restart it can tell which containers started, died or vanished while it was away.
 *
 * @param startedAtNanos State.StartedAt in nanoseconds since the epoch, 0 when unknown
 * @param finishedAtNanos State.FinishedAt in nanoseconds since the epoch, 0 when unknown
 * @param running whether it was running when last seen
 */
record KnownContainer(String id, long startedAtNanos, long finishedAtNanos, boolean running) {

  KnownContainer {
    Objects.requireNonNull(id, "id");
    if (id.isEmpty() || id.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "container id must be non-empty without white space: '" + id + "'");
    }
  }

  /**
   * What is known of container {@code id} once {@code event} (of engine time {@code time}) was
   * published, {@code before} being what was known (null: nothing): {@code before} itself when the
   * event changes nothing kept here, null when nothing is to be kept (a destroy). A start without
   * its StartedAt (published without its inspect) is of a run whose start is not known: not the
   * previous run's, which a die reconciled after a gap would carry otherwise.
   */
  static KnownContainer after(
      KnownContainer before, String id, ContainerEvent event, Timestamp time) {
    ContainerAction action = event.getAction();
    long startedAt =
        event.hasStartedAt()
            ? Timestamps.toEpochNanos(event.getStartedAt())
            : before == null || action == ContainerAction.START || action == ContainerAction.RESTART
                ? 0
                : before.startedAtNanos();
    long finishedAt = before == null ? 0 : before.finishedAtNanos();
    return switch (action) {
      case DESTROY -> null;
      case DIE ->
          new KnownContainer(
              id,
              startedAt,
              event.hasFinishedAt()
                  ? Timestamps.toEpochNanos(event.getFinishedAt())
                  : Timestamps.toEpochNanos(time),
              false);
      case START, RESTART, UNPAUSE -> new KnownContainer(id, startedAt, finishedAt, true);
      case SNAPSHOT ->
          new KnownContainer(
              id,
              startedAt,
              event.hasFinishedAt() ? Timestamps.toEpochNanos(event.getFinishedAt()) : finishedAt,
              "running".equals(event.getState()) || "paused".equals(event.getState()));
      case CREATE -> before != null ? before : new KnownContainer(id, 0, 0, false);
      default -> before;
    };
  }
}
