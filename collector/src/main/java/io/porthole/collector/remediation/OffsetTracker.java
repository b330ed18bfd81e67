package io.porthole.collector.remediation;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Which offsets may be committed while records of a partition complete out of order: the next
 * offset to commit is the lowest one still in flight, or one past the highest completed when none
 * is. Not thread-safe: use it from one context.
 */
public final class OffsetTracker {

  /** A partition of a topic. */
  public record Partition(String topic, int partition) {
    public Partition {
      Objects.requireNonNull(topic, "topic");
    }
  }

  private final Map<Partition, TreeSet<Long>> inFlight = new HashMap<>();
  private final Map<Partition, Long> highestDone = new HashMap<>();
  private final Map<Partition, Long> committed = new HashMap<>();
  private int inFlightCount;

  public void started(Partition partition, long offset) {
    if (inFlight.computeIfAbsent(partition, p -> new TreeSet<>()).add(offset)) {
      inFlightCount++;
    }
    // The first offset seen is where the group already stands: committing it would not advance.
    committed.putIfAbsent(partition, offset);
  }

  /**
   * Marks a record done.
   *
   * @return the offset to commit now (the next one to consume), or empty when it did not advance
   */
  public OptionalLong completed(Partition partition, long offset) {
    TreeSet<Long> offsets = inFlight.get(partition);
    if (offsets == null || !offsets.remove(offset)) {
      return OptionalLong.empty();
    }
    inFlightCount--;
    highestDone.merge(partition, offset, Math::max);
    long next = offsets.isEmpty() ? highestDone.get(partition) + 1 : offsets.first();
    Long previous = committed.get(partition);
    if (previous != null && previous >= next) {
      return OptionalLong.empty();
    }
    committed.put(partition, next);
    return OptionalLong.of(next);
  }

  public int inFlight() {
    return inFlightCount;
  }
}
