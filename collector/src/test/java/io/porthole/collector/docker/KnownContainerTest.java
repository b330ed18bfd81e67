package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class KnownContainerTest {

  private static final String ID = "c0ffee";
  private static final Timestamp FIRST_RUN = Timestamps.of(Instant.parse("2030-01-02T03:04:05Z"));
  private static final Timestamp DIED = Timestamps.of(Instant.parse("2030-01-02T03:05:00Z"));

  private static ContainerEvent event(ContainerAction action) {
    return ContainerEvent.newBuilder().setAction(action).build();
  }

  @Test
  void aStartWithItsStartedAtIsKeptAndItsDieCarriesIt() {
    KnownContainer started =
        KnownContainer.after(
            null,
            ID,
            event(ContainerAction.START).toBuilder().setStartedAt(FIRST_RUN).build(),
            FIRST_RUN);
    KnownContainer died = KnownContainer.after(started, ID, event(ContainerAction.DIE), DIED);

    assertThat(died.startedAtNanos()).isEqualTo(Timestamps.toEpochNanos(FIRST_RUN));
    assertThat(died.finishedAtNanos()).isEqualTo(Timestamps.toEpochNanos(DIED));
    assertThat(died.running()).isFalse();
  }

  /**
   * A start published without its inspect (no StartedAt): the run's start is unknown, and a die
   * reconciled after a collector restart must not carry the previous run's.
   */
  @Test
  void aStartWithoutItsStartedAtForgetsThePreviousRunsStart() {
    KnownContainer previousRun =
        new KnownContainer(ID, Timestamps.toEpochNanos(FIRST_RUN), 1, false);

    KnownContainer started =
        KnownContainer.after(previousRun, ID, event(ContainerAction.START), DIED);
    KnownContainer died = KnownContainer.after(started, ID, event(ContainerAction.DIE), DIED);

    assertThat(started.startedAtNanos()).isZero();
    assertThat(started.running()).isTrue();
    assertThat(died.startedAtNanos()).isZero();
  }

  @Test
  void aDestroyKeepsNothingAndAnEventThatChangesNothingKeepsWhatWasKnown() {
    KnownContainer known = new KnownContainer(ID, 5, 0, true);

    assertThat(KnownContainer.after(known, ID, event(ContainerAction.DESTROY), DIED)).isNull();
    assertThat(KnownContainer.after(known, ID, event(ContainerAction.KILL), DIED)).isSameAs(known);
  }
}
