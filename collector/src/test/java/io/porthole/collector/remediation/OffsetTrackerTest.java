package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

  private final OffsetTracker tracker = new OffsetTracker();
  private final OffsetTracker.Partition p0 = new OffsetTracker.Partition("commands", 0);
  private final OffsetTracker.Partition p1 = new OffsetTracker.Partition("commands", 1);

  @Test
  void commitsPastARecordOnceItIsDone() {
    tracker.started(p0, 7);

    assertThat(tracker.completed(p0, 7)).isEqualTo(OptionalLong.of(8));
    assertThat(tracker.inFlight()).isZero();
  }

  @Test
  void aLaterRecordDoneFirstWaitsForTheEarlierOne() {
    tracker.started(p0, 1);
    tracker.started(p0, 2);
    tracker.started(p0, 3);

    assertThat(tracker.completed(p0, 3)).isEmpty();
    assertThat(tracker.completed(p0, 1)).isEqualTo(OptionalLong.of(2));
    assertThat(tracker.completed(p0, 2)).isEqualTo(OptionalLong.of(4));
  }

  @Test
  void partitionsAdvanceIndependentlyAndUnknownOffsetsAreIgnored() {
    tracker.started(p0, 10);
    tracker.started(p1, 5);

    assertThat(tracker.inFlight()).isEqualTo(2);
    assertThat(tracker.completed(p1, 5)).isEqualTo(OptionalLong.of(6));
    assertThat(tracker.completed(p1, 99)).isEmpty();
    assertThat(tracker.completed(p0, 10)).isEqualTo(OptionalLong.of(11));
  }
}
