package io.porthole.collector.docker;

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
}
