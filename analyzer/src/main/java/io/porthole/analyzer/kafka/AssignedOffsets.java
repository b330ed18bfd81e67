package io.porthole.analyzer.kafka;

import io.vertx.kafka.client.common.TopicPartition;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link OffsetTracker}s of the partitions assigned to this instance now, and how many records
 * of theirs await the broker (what bounds the consumer: it pauses when too many do). Each
 * assignment or revocation starts a new generation: acknowledgements that arrive for a record of
 * an earlier generation change nothing, since its partition may belong to another instance by now
 * and is being re-read from its committed offset anyway.
 */
final class AssignedOffsets {

  /** A record whose alerts or dead letter await the broker, as of the generation it was read in. */
  record Waiting(int generation, OffsetTracker tracker, long offset) {}

  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
  private int generation;
  private int waiting;

  /** Forgets the previous assignment and tracks {@code partitions}, each with a fresh tracker. */
  void assign(Collection<TopicPartition> partitions) {
    revoke();
    for (TopicPartition partition : partitions) {
      trackers.put(partition, new OffsetTracker());
    }
  }

  /** Forgets every partition: nothing is tracked until the next assignment. */
  void revoke() {
    generation++;
    trackers.clear();
    waiting = 0;
  }

  /** The tracker of an assigned partition, or null when the partition is not assigned (any more). */
  OffsetTracker tracker(TopicPartition partition) {
    return trackers.get(partition);
  }

  /** The record at {@code offset} of the tracker's partition awaits the broker. */
  Waiting awaiting(OffsetTracker tracker, long offset) {
    tracker.awaiting(offset);
    waiting++;
    return new Waiting(generation, tracker, offset);
  }

  /** The broker acknowledged what the record waited for: the commit may move past it. */
  void acknowledged(Waiting record) {
    if (record.generation() == generation) {
      record.tracker().acknowledged(record.offset());
      waiting--;
    }
  }

  /**
   * The record will not be acknowledged (the analyzer is stopping): it no longer counts as waiting,
   * but the commit stays before it so that it is read again.
   */
  void abandoned(Waiting record) {
    if (record.generation() == generation) {
      waiting--;
    }
  }

  /** The generation now: a commit remembers it, for {@link #committed}. */
  int generation() {
    return generation;
  }

  /** The broker stored {@code offsets}, computed in {@code generation}: they are the new floor. */
  void committed(int generation, Map<TopicPartition, Long> offsets) {
    if (generation != this.generation) {
      return;
    }
    offsets.forEach((partition, offset) -> {
      OffsetTracker tracker = trackers.get(partition);
      if (tracker != null) {
        tracker.committedUpTo(offset);
      }
    });
  }

  /** Records of the current assignment that await the broker. */
  int waiting() {
    return waiting;
  }

  /** For each partition whose committable offset moved since its last commit: that offset. */
  Map<TopicPartition, Long> toCommit() {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    trackers.forEach((partition, tracker) -> {
      long offset = tracker.toCommit();
      if (offset >= 0) {
        offsets.put(partition, offset);
      }
    });
    return offsets;
  }
}
