package io.porthole.runtime.kafka;

import java.util.ArrayDeque;

/**
 * Which offset of one partition may be committed: the end of the contiguous prefix of handed-out
 * work (a batch, or one record) whose futures completed. Work completes in any order; the commit
 * never passes work still running, and never moves below what the group already committed.
 *
 * <p>A failed piece of work holds the partition: nothing after it is committed until the partition
 * is assigned afresh (restart or rebalance), so that the failed records are read again. Plain Java,
 * one instance per assigned partition; its methods synchronize, so the thread that hands out the
 * work and the one that commits may differ (the analyzer's lifecycle partitions).
 */
public final class PartitionProgress {

  /** Offsets {@code [first, end)} handed to the handler together. */
  public static final class Work {
    public final long first;
    public final long end;
    public final int records;
    private boolean done;
    private boolean failed;

    private Work(long first, long end, int records) {
      this.first = first;
      this.end = end;
      this.records = records;
    }
  }

  private final ArrayDeque<Work> running = new ArrayDeque<>();
  private long completedUpTo = -1;
  private long committed = -1;
  private long heldAt = -1;

  /** Records {@code [first, end)} go to the handler now. */
  public synchronized Work begin(long first, long end, int records) {
    Work work = new Work(first, end, records);
    if (heldAt < 0) {
      running.add(work);
    }
    return work;
  }

  /**
   * The handler finished {@code work}: the commit may move past it once everything before it is
   * done.
   */
  public synchronized void completed(Work work) {
    work.done = true;
    advance();
  }

  /** The handler failed {@code work}: the commit stays before it. */
  public synchronized void failed(Work work) {
    work.failed = true;
    advance();
  }

  private void advance() {
    while (!running.isEmpty()) {
      Work head = running.peek();
      if (head.failed) {
        heldAt = head.first;
        running.clear();
        return;
      }
      if (!head.done) {
        return;
      }
      running.poll();
      completedUpTo = Math.max(completedUpTo, head.end);
    }
  }

  /** The group's committed offset (read on assignment, or stored by a commit): the floor. */
  public synchronized void committed(long offset) {
    committed = Math.max(committed, offset);
  }

  /**
   * The offset to commit (the next record to read), or -1 when it would not move the commit
   * forward.
   */
  public synchronized long toCommit() {
    long committable = heldAt >= 0 ? heldAtOrPrefix() : nextAfterPrefix();
    return committable > committed ? committable : -1;
  }

  private long heldAtOrPrefix() {
    long prefix = nextAfterPrefix();
    return prefix < 0 ? -1 : Math.min(heldAt, prefix);
  }

  /**
   * The first offset of the oldest running work, or one past the last completed: everything before
   * it in this assignment was completed, or lies below where reading started. Nothing (-1) before
   * some work completed.
   */
  private long nextAfterPrefix() {
    if (completedUpTo < 0) {
      return -1;
    }
    return running.isEmpty() ? completedUpTo : running.peek().first;
  }

  /**
   * One past the last record of the contiguous prefix of completed work; -1 before any completed.
   */
  public synchronized long completedUpTo() {
    return completedUpTo;
  }

  /** No work handed out is still running. */
  public synchronized boolean idle() {
    return running.isEmpty();
  }
}
