package io.porthole.collector.strace;

import io.porthole.collector.CollectorStats;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Turns what the parser finds into wire messages for a {@link SyscallBatcher}, counting in {@link
 * CollectorStats}, and keeps strace's last notices and unparsed lines (attach errors, a wrapper's
 * complaint) for error messages.
 */
final class BatchingListener implements StraceLineParser.Listener {

  private static final int KEPT_NOTICES = 16;

  private final SyscallBatcher batcher;
  private final CollectorStats stats;
  private final LongConsumer eventTimeMillis;
  private final ArrayDeque<String> notices = new ArrayDeque<>();

  /**
   * @param eventTimeMillis told each event's time before it is added (replay's batch clock); may be
   *     a no-op
   */
  BatchingListener(SyscallBatcher batcher, CollectorStats stats, LongConsumer eventTimeMillis) {
    this.batcher = Objects.requireNonNull(batcher, "batcher");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.eventTimeMillis = Objects.requireNonNull(eventTimeMillis, "eventTimeMillis");
  }

  @Override
  public void syscall(StraceSyscall call) {
    stats.syscallEventsSeen.incrementAndGet();
    if (call.epochMicros() > 0) {
      eventTimeMillis.accept(call.epochMicros() / 1000);
    }
    if (!batcher.add(SyscallProtos.toProto(call))) {
      stats.syscallEventsDroppedBatchLimit.incrementAndGet();
    }
  }

  @Override
  public void exit(StraceExit exit) {
    stats.syscallEventsSeen.incrementAndGet();
    if (exit.epochMicros() > 0) {
      eventTimeMillis.accept(exit.epochMicros() / 1000);
    }
    batcher.add(SyscallProtos.toProto(exit));
  }

  @Override
  public void notice(String text) {
    synchronized (notices) {
      if (notices.size() == KEPT_NOTICES) {
        notices.removeFirst();
      }
      notices.addLast(text);
    }
  }

  @Override
  public void unparsed(String line) {
    notice(line.length() > 200 ? line.substring(0, 200) + "..." : line);
    stats.straceLinesUnparsed.incrementAndGet();
    batcher.unparsed(1);
  }

  @Override
  public void unfinishedEvicted() {
    stats.syscallsDroppedUnfinished.incrementAndGet();
  }

  /** strace's last notices about itself, oldest first. */
  List<String> notices() {
    synchronized (notices) {
      return List.copyOf(notices);
    }
  }
}
