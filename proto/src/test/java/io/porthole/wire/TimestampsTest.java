package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimestampsTest {

  @Test
  void epochNanosOfAnInstantAndOfItsTimestampAreTheSame() {
    Instant instant = Instant.parse("2026-12-07T12:00:01.000000042Z");
    long expected = 1_796_644_801_000_000_042L;
    assertThat(Timestamps.toEpochNanos(instant)).isEqualTo(expected);
    assertThat(Timestamps.toEpochNanos(Timestamps.of(instant))).isEqualTo(expected);
    assertThat(Timestamps.toInstant(Timestamps.of(instant))).isEqualTo(instant);
    assertThat(Timestamps.instantOfEpochNanos(expected)).isEqualTo(instant);
  }

  @Test
  void beforeTheEpochTheNanosAreNegative() {
    Instant instant = Instant.parse("1969-12-31T23:59:59.5Z");
    assertThat(Timestamps.toEpochNanos(instant)).isEqualTo(-500_000_000L);
    assertThat(Timestamps.toEpochNanos(Timestamps.of(instant))).isEqualTo(-500_000_000L);
    assertThat(Timestamps.instantOfEpochNanos(-500_000_000L)).isEqualTo(instant);
  }
}
