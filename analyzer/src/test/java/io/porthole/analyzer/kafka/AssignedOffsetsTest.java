package io.porthole.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.kafka.client.common.TopicPartition;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AssignedOffsetsTest {

  private static final TopicPartition FLOWS_0 = new TopicPartition("flows", 0);
  private static final TopicPartition FLOWS_1 = new TopicPartition("flows", 1);

  @Test
  void onlyPartitionsWhoseCommittableOffsetMovedAreCommitted() {
    AssignedOffsets offsets = new AssignedOffsets();
    offsets.assign(List.of(FLOWS_0, FLOWS_1));
    offsets.tracker(FLOWS_0).processed(7);
    assertThat(offsets.toCommit()).isEqualTo(Map.of(FLOWS_0, 8L));

    offsets.committed(offsets.generation(), Map.of(FLOWS_0, 8L));
    assertThat(offsets.toCommit()).isEmpty();
    assertThat(offsets.tracker(new TopicPartition("flows", 2))).isNull();
  }

  @Test
  void waitingRecordsAreCountedUntilAcknowledgedOrAbandoned() {
    AssignedOffsets offsets = new AssignedOffsets();
    offsets.assign(List.of(FLOWS_0, FLOWS_1));
    AssignedOffsets.Waiting first = offsets.awaiting(offsets.tracker(FLOWS_0), 3);
    AssignedOffsets.Waiting second = offsets.awaiting(offsets.tracker(FLOWS_1), 9);
    assertThat(offsets.waiting()).isEqualTo(2);

    offsets.acknowledged(first);
    offsets.abandoned(second);
    assertThat(offsets.waiting()).isZero();
    // An abandoned record (stopping) is never committed past: it is read again after the restart.
    assertThat(offsets.toCommit()).isEqualTo(Map.of(FLOWS_0, 4L, FLOWS_1, 9L));
  }

  @Test
  void anAcknowledgementFromBeforeARebalanceChangesNothingInTheNewAssignment() {
    AssignedOffsets offsets = new AssignedOffsets();
    offsets.assign(List.of(FLOWS_0));
    AssignedOffsets.Waiting before = offsets.awaiting(offsets.tracker(FLOWS_0), 5);
    int oldGeneration = offsets.generation();

    offsets.revoke();
    assertThat(offsets.tracker(FLOWS_0)).isNull();
    offsets.assign(List.of(FLOWS_0));
    assertThat(offsets.generation()).isNotEqualTo(oldGeneration);
    OffsetTracker tracker = offsets.tracker(FLOWS_0);
    AssignedOffsets.Waiting now = offsets.awaiting(tracker, 5);
    tracker.processed(6);

    offsets.acknowledged(before);
    offsets.committed(oldGeneration, Map.of(FLOWS_0, 7L));
    assertThat(offsets.waiting()).isEqualTo(1);
    assertThat(offsets.toCommit()).isEqualTo(Map.of(FLOWS_0, 5L));

    offsets.acknowledged(now);
    assertThat(offsets.waiting()).isZero();
    assertThat(offsets.toCommit()).isEqualTo(Map.of(FLOWS_0, 7L));
  }
}
