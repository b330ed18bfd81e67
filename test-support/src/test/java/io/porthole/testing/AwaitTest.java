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
  void aTimeoutAppendsTheDetailAndDescribesTheLastValueAsAsked() {
    assertThatThrownBy(
            () ->
                Await.awaiting("a 200", Duration.ofMillis(30))
                    .every(Duration.ofMillis(5))
                    .withDetail(() -> "stdout: started")
                    .value(() -> 503, status -> status == 200, status -> "status " + status))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "timed out after 30 ms awaiting a 200; the last value was status 503; stdout: started");
  }

  @Test
  void aLongLastValueIsShortened() {
    String body = "x".repeat(Await.MAX_DESCRIPTION + 10);

    assertThatThrownBy(
            () ->
                Await.awaiting("a short body", Duration.ofMillis(10))
                    .every(Duration.ofMillis(5))
                    .value(() -> body, String::isEmpty))
        .isInstanceOf(AssertionError.class)
        .hasMessageEndingWith("x... (10 more characters)");
  }

  @Test
  void theBuilderReturnsTheAwaitedValueAndPolls() {
    AtomicInteger polls = new AtomicInteger();

    Optional<String> none = Optional.empty();
    String value =
        Await.awaiting("a value", Duration.ofSeconds(5))
            .every(Duration.ofMillis(1))
            .present(() -> polls.incrementAndGet() < 3 ? none : Optional.of("found"));

    assertThat(value).isEqualTo("found");
    assertThat(polls).hasValue(3);
  }

  @Test
  void uniqueNamesDoNotRepeat() {
    assertThat(TestDocker.uniqueName("web"))
        .startsWith("porthole-test-web-")
        .isNotEqualTo(TestDocker.uniqueName("web"));
  }
}
