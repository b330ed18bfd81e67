package io.porthole.app.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.app.CliFailure;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeepRunningTest {

  @Test
  void withoutTheOptionTheDemoEnds() {
    assertThat(KeepRunning.parse(null)).isEmpty();
  }

  @Test
  void withoutAValueItLastsUntilCtrlC() {
    KeepRunning keep = KeepRunning.parse(KeepRunning.UNTIL_INTERRUPTED).orElseThrow();
    assertThat(keep.duration()).isEmpty();
    assertThat(keep.describe()).isEqualTo("until Ctrl-C");
  }

  @Test
  void durationsInSecondsMinutesAndHours() {
    assertThat(KeepRunning.parse("90").orElseThrow().duration()).contains(Duration.ofSeconds(90));
    assertThat(KeepRunning.parse("30s").orElseThrow().duration()).contains(Duration.ofSeconds(30));
    assertThat(KeepRunning.parse("10m").orElseThrow().describe())
        .isEqualTo("for 10m (or until Ctrl-C)");
    assertThat(KeepRunning.parse("2H").orElseThrow().duration()).contains(Duration.ofHours(2));
    assertThat(KeepRunning.parse("90s").orElseThrow().describe())
        .isEqualTo("for 90s (or until Ctrl-C)");
  }

  @Test
  void aBadValueIsAUsageErrorNamingTheOption() {
    for (String bad : new String[] {"soon", "0", "-5s", "10d", ""}) {
      assertThatThrownBy(() -> KeepRunning.parse(bad))
          .as(bad)
          .isInstanceOf(CliFailure.class)
          .hasMessageContaining("--keep-running");
    }
  }

  @Test
  void aShortWaitEnds() throws InterruptedException {
    long started = System.nanoTime();
    new KeepRunning(Optional.of(Duration.ofMillis(50))).await();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(50));
  }
}
