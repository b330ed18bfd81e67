package io.porthole.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

  @Test
  void theCommittableOffsetWaitsForEveryEarlierRecord() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.started(10);
    tracker.started(11);
    tracker.started(12);
    tracker.completed(11);
    tracker.completed(12);
    assertThat(tracker.toCommit()).isEqualTo(-1);
    assertThat(tracker.inFlight()).isEqualTo(3);

    tracker.completed(10);
    assertThat(tracker.toCommit()).isEqualTo(13);
    assertThat(tracker.inFlight()).isZero();
    tracker.committedUpTo(13);
    assertThat(tracker.toCommit()).isEqualTo(-1);
  }

  @Test
  void reReadingRecordsBeforeTheCommittedOffsetNeverMovesTheCommitBack() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.committedUpTo(50);
    tracker.started(40);
    tracker.completed(40);
    assertThat(tracker.toCommit()).isEqualTo(-1);
    tracker.started(50);
    tracker.completed(50);
    assertThat(tracker.toCommit()).isEqualTo(51);
  }
}
