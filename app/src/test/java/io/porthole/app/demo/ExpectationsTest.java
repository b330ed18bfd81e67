package io.porthole.app.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExpectationsTest {

  @Test
  void anAlertFulfilsTheExpectationWithItsRuleAndContainerOnly() {
    Expectations expectations = new Expectations();
    long t0 = 1_000_000_000L;
    expectations.expect("S2", Rule.OOM_KILLED, "c-oom", t0, Duration.ofSeconds(60));

    assertThat(expectations.offer(alert(Rule.OOM_KILLED, "other"), t0 + 1)).isEmpty();
    assertThat(expectations.offer(alert(Rule.HOST_NAMESPACES, "c-oom"), t0 + 1)).isEmpty();
    assertThat(expectations.offer(alert(Rule.OOM_KILLED, "c-oom"), t0 + 2_000_000_000L))
        .isPresent();
    assertThat(expectations.missing()).isEmpty();
    assertThat(expectations.all().get(0).latency()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void anAlertAfterItsDeadlineStillCountsAsMissing() {
    Expectations expectations = new Expectations();
    expectations.expect("S1", Rule.HOST_NAMESPACES, "c1", 0, Duration.ofSeconds(1));
    expectations.expect("S5", Rule.SELINUX_ASSUMPTION, "c5", 0, Duration.ofSeconds(1));

    expectations.offer(alert(Rule.HOST_NAMESPACES, "c1"), Duration.ofSeconds(5).toNanos());

    assertThat(expectations.missing())
        .extracting(e -> e.rule)
        .containsExactlyInAnyOrder(Rule.HOST_NAMESPACES, Rule.SELINUX_ASSUMPTION);
  }

  @Test
  void awaitAllReturnsOnceEveryDeadlineHasPassed() throws Exception {
    Expectations expectations = new Expectations();
    long started = System.nanoTime();
    expectations.expect("S1", Rule.HOST_NAMESPACES, "c1", started, Duration.ofMillis(300));

    expectations.awaitAll();

    assertThat(System.nanoTime() - started)
        .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
    assertThat(expectations.missing()).hasSize(1);
  }

  @Test
  void anAlertThatArrivesBeforeItsExpectationIsRegisteredStillCounts() {
    Expectations expectations = new Expectations();
    long t0 = 5_000_000_000L;
    expectations.offer(alert(Rule.OOM_KILL_DISABLED_UNBOUNDED, "c2"), t0 + 200_000_000L);

    expectations.expect("S2", Rule.OOM_KILL_DISABLED_UNBOUNDED, "c2", t0, Duration.ofSeconds(60));

    assertThat(expectations.missing()).isEmpty();
    assertThat(expectations.all().get(0).latency()).isEqualTo(Duration.ofMillis(200));
  }

  private static Alert alert(Rule rule, String containerId) {
    return Alert.newBuilder().setRule(rule).setContainerId(containerId).build();
  }
}
