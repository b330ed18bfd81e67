package io.porthole.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

  @Test
  void returnsAsSoonAsTheConditionHolds() {
    AtomicInteger polls = new AtomicInteger();

    Await.until(
        "the third poll",
        Duration.ofSeconds(5),
        Duration.ofMillis(1),
        () -> polls.incrementAndGet() == 3);

    assertThat(polls).hasValue(3);
  }

  @Test
  void returnsTheAwaitedValue() {
    AtomicInteger polls = new AtomicInteger();

    String value =
        Await.present(
            "a value",
            Duration.ofSeconds(5),
            () -> polls.incrementAndGet() < 2 ? Optional.empty() : Optional.of("found"));

    assertThat(value).isEqualTo("found");
  }

  @Test
  void aTimeoutNamesWhatWasAwaitedAndTheLastValueSeen() {
    assertThatThrownBy(
            () ->
                Await.value(
                    "five alerts",
                    Duration.ofMillis(50),
                    Duration.ofMillis(5),
                    () -> 4,
                    n -> n == 5))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("timed out after 50 ms awaiting five alerts")
        .hasMessageEndingWith("the last value was 4");
  }

  @Test
  void exceptionsCountAsNotYetAndTheLastOneIsReported() {
    AtomicInteger polls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                Await.until(
                    "a reachable broker",
                    Duration.ofMillis(30),
                    Duration.ofMillis(5),
                    () -> {
                      polls.incrementAndGet();
                      throw new IllegalStateException("connection refused");
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "the last attempt failed: java.lang.IllegalStateException:" + " connection refused");
    assertThat(polls.get()).isGreaterThan(1);
  }

  @Test
  void uniqueNamesDoNotRepeat() {
    assertThat(TestDocker.uniqueName("web"))
        .startsWith("porthole-test-web-")
        .isNotEqualTo(TestDocker.uniqueName("web"));
  }
}
