package io.porthole.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

  @Test
  void recordsThatRaisedNothingAreCommittableAtOnce() {
    OffsetTracker tracker = new OffsetTracker();
    assertThat(tracker.toCommit()).isEqualTo(-1);
    tracker.processed(10);
    tracker.processed(11);
    assertThat(tracker.toCommit()).isEqualTo(12);
    assertThat(tracker.waiting()).isZero();
  }

  @Test
  void theCommitNeverPassesARecordWhoseAlertsAreUnacknowledged() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.processed(10);
    tracker.awaiting(11);
    tracker.processed(12);
    tracker.processed(13);
    assertThat(tracker.toCommit()).isEqualTo(11);
    assertThat(tracker.waiting()).isEqualTo(1);

    tracker.acknowledged(11);
    assertThat(tracker.toCommit()).isEqualTo(14);
    assertThat(tracker.waiting()).isZero();
  }

  @Test
  void acknowledgementsOutOfOrderMoveTheCommitOnlyPastTheLowestWaitingRecord() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.awaiting(10);
    tracker.awaiting(11);
    tracker.processed(12);
    tracker.awaiting(13);
    tracker.processed(14);

    tracker.acknowledged(13);
    tracker.acknowledged(11);
    assertThat(tracker.toCommit()).isEqualTo(10);
    assertThat(tracker.waiting()).isEqualTo(1);

    tracker.acknowledged(10);
    assertThat(tracker.toCommit()).isEqualTo(15);
    assertThat(tracker.waiting()).isZero();
  }

  @Test
  void aCommittedOffsetIsNotOfferedAgain() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.awaiting(10);
    tracker.awaiting(11);
    tracker.acknowledged(10);
    assertThat(tracker.toCommit()).isEqualTo(11);
    tracker.committedUpTo(11);
    assertThat(tracker.toCommit()).isEqualTo(-1);
    tracker.acknowledged(11);
    assertThat(tracker.toCommit()).isEqualTo(12);
  }

  @Test
  void aRepeatedOrUnknownAcknowledgementChangesNothing() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.awaiting(5);
    tracker.awaiting(6);
    tracker.acknowledged(6);
    tracker.acknowledged(6);
    tracker.acknowledged(99);
    assertThat(tracker.waiting()).isEqualTo(1);
    assertThat(tracker.toCommit()).isEqualTo(5);
  }

  @Test
  void reReadingRecordsBeforeTheCommittedOffsetNeverMovesTheCommitBack() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.committedUpTo(50);
    tracker.processed(40);
    assertThat(tracker.toCommit()).isEqualTo(-1);
    // A re-read record raising an alert holds the commit where it is until the alert is acknowledged.
    tracker.awaiting(45);
    tracker.processed(50);
    assertThat(tracker.toCommit()).isEqualTo(-1);
    tracker.acknowledged(45);
    assertThat(tracker.toCommit()).isEqualTo(51);
  }

  @Test
  void manyWaitingRecordsAcknowledgedInReverseOrderKeepTheLowestAsTheCommit() {
    OffsetTracker tracker = new OffsetTracker();
    for (long offset = 0; offset < 1000; offset++) {
      if (offset % 3 == 0) {
        tracker.awaiting(offset);
      } else {
        tracker.processed(offset);
      }
    }
    assertThat(tracker.waiting()).isEqualTo(334);
    for (long offset = 999; offset > 0; offset--) {
      if (offset % 3 == 0) {
        tracker.acknowledged(offset);
        assertThat(tracker.toCommit()).isEqualTo(0);
      }
    }
    tracker.acknowledged(0);
    assertThat(tracker.toCommit()).isEqualTo(1000);
    assertThat(tracker.waiting()).isZero();
  }

  @Test
  void theRingWrapsAroundWhileRecordsComeAndGo() {
    OffsetTracker tracker = new OffsetTracker();
    for (long offset = 0; offset < 200; offset++) {
      tracker.awaiting(offset);
      if (offset >= 5) {
        tracker.acknowledged(offset - 5);
        assertThat(tracker.toCommit()).isEqualTo(offset - 4);
      }
    }
    assertThat(tracker.waiting()).isEqualTo(5);
  }
}
