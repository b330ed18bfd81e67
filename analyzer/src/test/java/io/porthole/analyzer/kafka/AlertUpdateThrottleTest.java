package io.porthole.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.Severity;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertUpdateThrottleTest {

  private static final long SECOND = 1_000_000_000L;

  private final AlertUpdateThrottle throttle = new AlertUpdateThrottle(Duration.ofSeconds(5));

  private static Alert version(String id, int occurrences, Severity severity, String title) {
    return Alert.newBuilder()
        .setAlertId(id)
        .setOccurrences(occurrences)
        .setSeverity(severity)
        .setTitle(title)
        .build();
  }

  private static Alert version(String id, int occurrences) {
    return version(id, occurrences, Severity.MEDIUM, "cannot connect");
  }

  @Test
  void theFirstVersionGoesAtOnceAndGrowthIsHeldUntilTheIntervalPassed() {
    assertThat(throttle.admit(List.of(version("a", 3)), 0))
        .extracting(Alert::getOccurrences)
        .containsExactly(3);
    assertThat(throttle.admit(List.of(version("a", 4)), SECOND)).isEmpty();
    assertThat(throttle.admit(List.of(version("a", 5), version("a", 6)), 2 * SECOND)).isEmpty();
    assertThat(throttle.due(4 * SECOND)).isEmpty();

    assertThat(throttle.due(5 * SECOND)).extracting(Alert::getOccurrences).containsExactly(6);
    assertThat(throttle.versionsSkipped()).isEqualTo(2);
    // Nothing held any more; quiet for a whole interval, the alert is forgotten ...
    assertThat(throttle.due(10 * SECOND)).isEmpty();
    // ... so that its next version goes at once.
    assertThat(throttle.admit(List.of(version("a", 7)), 11 * SECOND)).hasSize(1);
  }

  @Test
  void aVersionAfterTheIntervalGoesAtOnceAndReplacesWhatWasHeld() {
    throttle.admit(List.of(version("a", 1)), 0);
    throttle.admit(List.of(version("a", 2)), SECOND);

    assertThat(throttle.admit(List.of(version("a", 3)), 6 * SECOND))
        .extracting(Alert::getOccurrences)
        .containsExactly(3);
    assertThat(throttle.due(7 * SECOND)).isEmpty();
    assertThat(throttle.versionsSkipped()).isEqualTo(1);
  }

  @Test
  void aNewSeverityOrTitleGoesAtOnce() {
    throttle.admit(List.of(version("a", 1)), 0);
    assertThat(throttle.admit(List.of(version("a", 2, Severity.HIGH, "cannot connect")), SECOND))
        .hasSize(1);
    assertThat(
            throttle.admit(
                List.of(version("a", 3, Severity.HIGH, "cannot connect, then exited")), 2 * SECOND))
        .hasSize(1);
    assertThat(throttle.due(10 * SECOND)).isEmpty();
  }

  @Test
  void alertsAreThrottledEachOnItsOwn() {
    assertThat(throttle.admit(List.of(version("a", 1), version("b", 1), version("a", 2)), 0))
        .extracting(Alert::getAlertId)
        .containsExactly("a", "b");
    assertThat(throttle.flush()).extracting(Alert::getOccurrences).containsExactly(2);
    assertThat(throttle.flush()).isEmpty();
  }

  @Test
  void aZeroIntervalPublishesEveryVersion() {
    AlertUpdateThrottle every = new AlertUpdateThrottle(Duration.ZERO);
    List<Alert> raised = List.of(version("a", 1), version("a", 2), version("a", 3));
    assertThat(every.admit(raised, 0)).isEqualTo(raised);
    assertThat(every.due(SECOND)).isEmpty();
  }

  @Test
  void resetForgetsWhatWasHeld() {
    throttle.admit(List.of(version("a", 1)), 0);
    throttle.admit(List.of(version("a", 2)), SECOND);
    throttle.reset();
    assertThat(throttle.due(6 * SECOND)).isEmpty();
    assertThat(throttle.admit(List.of(version("a", 3)), 7 * SECOND)).hasSize(1);
  }
}
