package io.porthole.analyzer.kafka;

/**
 * Which offset of one partition may be committed. Almost every record is done once analysed (it
 * raised nothing); only records whose alerts or dead letter still await the broker's
 * acknowledgement are remembered, in offset order. Acknowledgements arrive in any order, but the
 * committable offset never passes a record still waiting: it is the lowest waiting offset, or one
 * past the highest record taken when nothing waits.
 *
 * <p>Primitives only (a ring of offsets and a ring of flags), so the per-record cost is a field
 * write for a record that raised nothing.
 */
public final class OffsetTracker {

  private static final int INITIAL_CAPACITY = 16;

  // Offsets awaiting acknowledgement, increasing from head; acknowledged ones stay until they reach
  // the head, so that the head is always the lowest offset not yet acknowledged.
  private long[] offsets = new long[INITIAL_CAPACITY];
  private boolean[] acknowledged = new boolean[INITIAL_CAPACITY];
  private int head;
  private int size;
  private int waiting;
  private long next = -1;
  private long committed = -1;

  /** A record was analysed and nothing of it awaits the broker. */
  public void processed(long offset) {
    next = Math.max(next, offset + 1);
  }

  /** A record was analysed and its alerts (or dead letter) await the broker's acknowledgement. */
  public void awaiting(long offset) {
    if (size == offsets.length) {
      grow();
    }
    int slot = insertionSlot(offset);
    offsets[slot] = offset;
    acknowledged[slot] = false;
    size++;
    waiting++;
    next = Math.max(next, offset + 1);
  }

  /** The broker acknowledged what the record at {@code offset} waited for. */
  public void acknowledged(long offset) {
    int index = find(offset);
    if (index < 0) {
      return;
    }
    int slot = slot(index);
    if (acknowledged[slot]) {
      return;
    }
    acknowledged[slot] = true;
    waiting--;
    while (size > 0 && acknowledged[head]) {
      head = (head + 1) % offsets.length;
      size--;
    }
  }

  /** Records analysed whose alerts or dead letter the broker has not acknowledged yet. */
  public int waiting() {
    return waiting;
  }

  /** The offset to commit (the next record to read), or -1 when it would not move the commit forward. */
  public long toCommit() {
    long committable = size > 0 ? offsets[head] : next;
    return committable > committed ? committable : -1;
  }

  public void committedUpTo(long offset) {
    committed = Math.max(committed, offset);
  }

  // Offsets arrive in increasing order within an assignment, so the slot is nearly always the tail;
  // an older offset (not expected) is still placed in order rather than breaking the invariant.
  private int insertionSlot(long offset) {
    int index = size;
    while (index > 0 && offsets[slot(index - 1)] > offset) {
      int from = slot(index - 1);
      int to = slot(index);
      offsets[to] = offsets[from];
      acknowledged[to] = acknowledged[from];
      index--;
    }
    return slot(index);
  }

  /** The logical index (0 = head) of {@code offset} among the remembered ones, or -1. */
  private int find(long offset) {
    int low = 0;
    int high = size - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      long value = offsets[slot(mid)];
      if (value < offset) {
        low = mid + 1;
      } else if (value > offset) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  private int slot(int index) {
    return (head + index) % offsets.length;
  }

  private void grow() {
    long[] newOffsets = new long[offsets.length * 2];
    boolean[] newAcknowledged = new boolean[offsets.length * 2];
    for (int i = 0; i < size; i++) {
      newOffsets[i] = offsets[slot(i)];
      newAcknowledged[i] = acknowledged[slot(i)];
    }
    offsets = newOffsets;
    acknowledged = newAcknowledged;
    head = 0;
  }
}
