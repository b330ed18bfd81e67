package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.CollectorStats;
import io.porthole.proto.EventEnvelope;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the strace path loses is counted in the collector's stats, by why it was lost. */
class BatchingListenerTest {

  private final CollectorStats stats = new CollectorStats();
  private final List<EventEnvelope> out = new ArrayList<>();
  private final SyscallBatcher batcher =
      new SyscallBatcher(
          "host-a", "c0ffee", "label", Duration.ofHours(1), 2, () -> 1_000L, out::add);
  private final BatchingListener listener = new BatchingListener(batcher, stats, millis -> {});
  private final StraceLineParser parser =
      new StraceLineParser(LocalDate.of(2024, 1, 1), ZoneOffset.UTC, listener, 1);

  @Test
  void syscallsBeyondTheBatchBoundAreCountedAsDropped() {
    parser.accept("[pid 1] 10:00:00.000001 getpid() = 1");
    parser.accept("[pid 1] 10:00:00.000002 getpid() = 1");
    parser.accept("[pid 1] 10:00:00.000003 getpid() = 1");
    parser.accept("[pid 1] 10:00:00.000004 getpid() = 1");
    assertThat(stats.syscallEventsSeen.get()).isEqualTo(4);
    assertThat(stats.syscallEventsDroppedBatchLimit.get()).isEqualTo(2);
    batcher.flush();
    assertThat(out.get(0).getSyscalls().getSyscallsCount()).isEqualTo(2);
    assertThat(out.get(0).getSyscalls().getDroppedEvents()).isEqualTo(2);
  }

  @Test
  void unfinishedCallsEvictedAndLinesNotUnderstoodAreCounted() {
    parser.accept("[pid 1] 10:00:00.000001 read(0,  <unfinished ...>");
    parser.accept("[pid 2] 10:00:00.000002 read(0,  <unfinished ...>");
    parser.accept("this is not strace");
    assertThat(stats.syscallsDroppedUnfinished.get()).isEqualTo(1);
    assertThat(stats.straceLinesUnparsed.get()).isEqualTo(1);
  }
}
