package io.porthole.controller.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.runtime.ops.Readiness;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The {@code views} readiness check means progress: caught up, and the consumer still polling. */
class ViewLoaderProgressTest {

  private static final long SECOND = 1_000_000_000L;

  private final AtomicBoolean caughtUp = new AtomicBoolean();
  private final AtomicLong lastPoll = new AtomicLong(-1);
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final Supplier<Readiness.Status> check =
      ViewLoader.progress(caughtUp::get, lastPoll::get, ViewLoader.POLL_LIMIT, now::get);

  @Test
  void downWhileLoadingEvenWhenPolling() {
    lastPoll.set(now.get());
    assertThat(check.get()).isEqualTo(Readiness.Status.down("loading from the topics"));
  }

  @Test
  void upOnceCaughtUpWhileThePollsGoOnAndDownWhenTheyStopForLongerThanTheLimit() {
    caughtUp.set(true);
    lastPoll.set(now.get() - SECOND / 10);
    assertThat(check.get()).isEqualTo(Readiness.Status.up("caught up, polled 0.1 s ago"));

    // The consumer's loop is stuck: no poll completes any more.
    now.addAndGet(60 * SECOND);
    assertThat(check.get().ready()).as("60.1 s is past the 60 s limit").isFalse();
    assertThat(check.get().detail()).isEqualTo("caught up, polled 60.1 s ago (limit 60 s)");

    // It polls again: ready again.
    lastPoll.set(now.get());
    assertThat(check.get()).isEqualTo(Readiness.Status.up("caught up, polled 0.0 s ago"));
  }

  @Test
  void exactlyAtTheLimitIsStillUp() {
    caughtUp.set(true);
    lastPoll.set(now.get());
    now.addAndGet(Duration.ofSeconds(60).toNanos());
    assertThat(check.get().ready()).isTrue();
    now.incrementAndGet();
    assertThat(check.get().ready()).isFalse();
  }

  @Test
  void caughtUpWithoutAnyPollIsDown() {
    caughtUp.set(true);
    assertThat(check.get()).isEqualTo(Readiness.Status.down("caught up, not polled yet"));
  }
}
