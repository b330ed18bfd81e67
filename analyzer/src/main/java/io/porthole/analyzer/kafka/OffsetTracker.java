package io.porthole.analyzer.kafka;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Which offsets of one partition may be committed: records complete out of order (their alerts are
 * acknowledged whenever the broker answers), but the committable offset only moves past a record
 * when every record before it has completed too.
 */
public final class OffsetTracker {

  private final ArrayDeque<Long> pending = new ArrayDeque<>();
  private final Map<Long, Boolean> done = new HashMap<>();
  private long committable = -1;
  private long committed = -1;

  /** A record was taken into work (offsets arrive in increasing order). */
  public void started(long offset) {
    pending.add(offset);
    done.put(offset, false);
  }

  /** A record's work is done (its alerts acknowledged). */
  public void completed(long offset) {
    if (done.containsKey(offset)) {
      done.put(offset, true);
    }
    while (!pending.isEmpty() && done.get(pending.peek())) {
      long head = pending.poll();
      done.remove(head);
      committable = head + 1;
    }
  }

  /** Records taken but not completed. */
  public int inFlight() {
    return pending.size();
  }

  /** The offset to commit (the next record to read), or -1 when nothing new completed. */
  public long toCommit() {
    return committable > committed ? committable : -1;
  }

  public void committedUpTo(long offset) {
    committed = Math.max(committed, offset);
  }
}
