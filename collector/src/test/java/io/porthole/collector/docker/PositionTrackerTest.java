package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PositionTrackerTest {

  @Test
  void thePositionMovesOnlyPastEventsDoneWithEveryEventBeforeThem() {
    PositionTracker tracker =
        new PositionTracker(new StreamPosition(10, Set.of("a/start"), Map.of()));
    long first = tracker.begin(20, "a/die");
    long second = tracker.begin(30, "b/start");
    long third = tracker.begin(30, "b/die");

    tracker.done(second); // acknowledged out of order: the first is still in flight
    assertThat(tracker.committedNanos()).isEqualTo(10);
    assertThat(tracker.committedKeys()).containsExactly("a/start");

    tracker.done(first);
    assertThat(tracker.committedNanos()).isEqualTo(30);
    assertThat(tracker.committedKeys()).containsExactly("b/start");

    tracker.done(third);
    assertThat(tracker.committedKeys()).containsExactlyInAnyOrder("b/start", "b/die");
    assertThat(tracker.inFlight()).isZero();
  }

  @Test
  void theVersionChangesOnlyWhenThePositionMoves() {
    PositionTracker tracker = new PositionTracker(null);
    long v0 = tracker.version();
    long ticket = tracker.begin(5, "a/start");
    assertThat(tracker.version()).isEqualTo(v0);
    tracker.done(ticket);
    tracker.done(ticket); // twice: ignored
    assertThat(tracker.version()).isEqualTo(v0 + 1);
  }

  @Test
  void anEventKafkaDidNotTakeKeepsThePositionBeforeItForTheRestOfTheRun() {
    PositionTracker tracker =
        new PositionTracker(new StreamPosition(10, Set.of("a/start"), Map.of()));
    long lost = tracker.begin(20, "a/die");
    long later = tracker.begin(30, "b/start");
    tracker.freeze(); // the record of a/die was refused
    tracker.done(later);
    tracker.done(lost);
    long afterwards = tracker.begin(40, "c/start");
    tracker.done(afterwards);
    assertThat(tracker.committedNanos()).isEqualTo(10);
    assertThat(tracker.committedKeys()).containsExactly("a/start");
    assertThat(tracker.inFlight()).as("nothing held in memory").isZero();
    assertThat(tracker.frozen()).isTrue();
  }
}
