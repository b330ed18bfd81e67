package io.porthole.runtime.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.runtime.ops.Readiness.Status;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadinessTest {

  @Test
  void notReadyWithoutAnyCheckBecauseNothingHasStarted() {
    Readiness.Report report = new Readiness().report();

    assertThat(report.ready()).isFalse();
    assertThat(report.toJson().getString("status")).isEqualTo("DOWN");
    assertThat(report.toJson().getJsonObject("checks").getString("services"))
        .isEqualTo("no service has started yet");
  }

  @Test
  void readyOnlyWhenEveryCheckIsReady() {
    AtomicBoolean connected = new AtomicBoolean(false);
    Readiness readiness =
        new Readiness()
            .register("producing", () -> Status.up("3 acknowledged"))
            .register(
                "docker events",
                () -> connected.get() ? Status.up("connected") : Status.down("reconnecting"));

    assertThat(readiness.report().ready()).isFalse();
    assertThat(readiness.report().toJson().getJsonObject("checks").getString("docker events"))
        .isEqualTo("reconnecting");

    connected.set(true);

    assertThat(readiness.report().ready()).isTrue();
    assertThat(readiness.report().toJson().encode())
        .isEqualTo(
            "{\"status\":\"UP\",\"checks\":{\"docker "
                + "events\":\"connected\",\"producing\":\"3 acknowledged\"}}");
  }

  @Test
  void aCheckThatThrowsIsNotReadyAndSaysWhy() {
    Readiness readiness =
        new Readiness()
            .register(
                "broken",
                () -> {
                  throw new IllegalStateException("boom");
                });

    Readiness.Check check = readiness.report().checks().get(0);

    assertThat(check.ready()).isFalse();
    assertThat(check.detail()).contains("boom");
  }

  @Test
  void anUnregisteredCheckNoLongerCounts() {
    Readiness readiness =
        new Readiness()
            .register("a", () -> Status.up("fine"))
            .register("b", () -> Status.down("stuck"));

    readiness.unregister("b");

    assertThat(readiness.report().ready()).isTrue();
  }

  @Test
  void recentProgressIsReadyWithinTheLimitOnly() {
    AtomicLong now = new AtomicLong(100_000_000_000L);
    AtomicLong last = new AtomicLong(-1);
    var probe = Readiness.recent("polled", last::get, Duration.ofSeconds(30), now::get);

    assertThat(probe.get()).isEqualTo(Status.down("not polled yet"));

    last.set(now.get() - Duration.ofSeconds(5).toNanos());
    assertThat(probe.get()).isEqualTo(Status.up("polled 5.0 s ago"));

    now.addAndGet(Duration.ofSeconds(30).toNanos());
    assertThat(probe.get()).isEqualTo(Status.down("polled 35.0 s ago (limit 30 s)"));
  }

  @Test
  void oneReadinessAndOneRegistryPerVertxInstance() {
    Vertx first = Vertx.vertx();
    Vertx second = Vertx.vertx();
    try {
      assertThat(Readiness.of(first))
          .isSameAs(Readiness.of(first))
          .isNotSameAs(Readiness.of(second));
      assertThat(PortholeMetrics.of(first))
          .isSameAs(PortholeMetrics.of(first))
          .isNotSameAs(PortholeMetrics.of(second));
    } finally {
      first.close();
      second.close();
    }
  }
}
