package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker's inspects: a call the engine holds (as it holds an inspect while it starts or cleans
 * up the container) is awaited until a die of the same container is queued behind it, and only when
 * the caller may do without its answer.
 */
@Timeout(10)
class InspectCallsTest {

  private static final String ID = "c1";
  private static final String OTHER = "c2";

  private final CountDownLatch engineAnswers = new CountDownLatch(1);
  private final CountDownLatch callMade = new CountDownLatch(1);
  private InspectCalls inspects;

  /** An engine that answers only once released, like one that holds the container's lock. */
  private Function<String, InspectContainerResponse> heldEngine(InspectContainerResponse answer) {
    return id -> {
      callMade.countDown();
      try {
        engineAnswers.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      return answer;
    };
  }

  @AfterEach
  void stop() {
    engineAnswers.countDown();
    if (inspects != null) {
      inspects.stop();
    }
  }

  private static InspectContainerResponse anInspect() throws IOException {
    return ContainerEventMapperTest.inspect("inspect-bridge-running.json");
  }

  @Test
  void returnsTheEnginesAnswer() throws Exception {
    InspectContainerResponse answer = anInspect();
    inspects = new InspectCalls(id -> answer, 2);

    InspectCalls.Outcome outcome = inspects.inspect(ID, true);

    assertThat(outcome.abandoned()).isFalse();
    assertThat(outcome.answer()).isSameAs(answer);
    assertThat(outcome.failure()).isNull();
  }

  @Test
  void returnsTheCallsFailure() throws Exception {
    inspects =
        new InspectCalls(
            id -> {
              throw new NotFoundException("no such container: " + id);
            },
            2);

    InspectCalls.Outcome outcome = inspects.inspect(ID, true);

    assertThat(outcome.abandoned()).isFalse();
    assertThat(outcome.answer()).isNull();
    assertThat(outcome.failure()).isInstanceOf(NotFoundException.class);
  }

  @Test
  void stopsWaitingWhenADieOfTheContainerIsQueuedWhileItWaits() throws Exception {
    inspects = new InspectCalls(heldEngine(anInspect()), 2);
    CompletableFuture<InspectCalls.Outcome> waiting = inspectOnAnotherThread(ID, true);
    assertThat(callMade.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(waiting).isNotDone();

    inspects.dieQueued(ID);

    assertThat(waiting.get(5, TimeUnit.SECONDS).abandoned()).isTrue();
    assertThat(engineAnswers.getCount()).isEqualTo(1); // the engine still had not answered
  }

  @Test
  void doesNotEvenAskWhenTheDieWasQueuedBeforeTheInspect() throws Exception {
    inspects = new InspectCalls(heldEngine(anInspect()), 2);
    inspects.dieQueued(ID);

    assertThat(inspects.inspect(ID, true).abandoned()).isTrue();
    assertThat(callMade.getCount()).isEqualTo(1); // the engine was not asked
  }

  @Test
  void anAbandonedCallStillQueuedInThePoolIsNotMade() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    inspects =
        new InspectCalls(
            id -> {
              calls.incrementAndGet();
              return heldEngine(null).apply(id);
            },
            1);
    CompletableFuture<InspectCalls.Outcome> first = inspectOnAnotherThread(OTHER, false);
    assertThat(callMade.await(5, TimeUnit.SECONDS)).isTrue(); // the pool's one thread is held
    CompletableFuture<InspectCalls.Outcome> second = inspectOnAnotherThread(ID, true);
    Thread.sleep(50); // the second call queued behind the first
    inspects.dieQueued(ID);
    assertThat(second.get(5, TimeUnit.SECONDS).abandoned()).isTrue();

    engineAnswers.countDown();
    first.get(5, TimeUnit.SECONDS);
    Thread.sleep(50);

    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void refusesCallsOnceStopped() throws Exception {
    inspects = new InspectCalls(heldEngine(anInspect()), 2);
    inspects.stop();

    assertThatThrownBy(() -> inspects.inspect(ID, true))
        .isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void waitsForTheAnswerWhenTheCallerCannotDoWithoutIt() throws Exception {
    InspectContainerResponse answer = anInspect();
    inspects = new InspectCalls(heldEngine(answer), 2);
    inspects.dieQueued(ID);
    CompletableFuture<InspectCalls.Outcome> waiting = inspectOnAnotherThread(ID, false);
    assertThat(callMade.await(5, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(100); // the worker would have given up by now, were it allowed to
    assertThat(waiting).isNotDone();

    engineAnswers.countDown();

    assertThat(waiting.get(5, TimeUnit.SECONDS).answer()).isSameAs(answer);
  }

  @Test
  void aDieOfAnotherContainerOrOneAlreadyHandledIsNoReasonToStopWaiting() throws Exception {
    InspectContainerResponse answer = anInspect();
    inspects = new InspectCalls(heldEngine(answer), 2);
    inspects.dieQueued(ID);
    inspects.dieHandled(ID);
    CompletableFuture<InspectCalls.Outcome> waiting = inspectOnAnotherThread(ID, true);
    assertThat(callMade.await(5, TimeUnit.SECONDS)).isTrue();

    inspects.dieQueued(OTHER);
    Thread.sleep(100);
    assertThat(waiting).isNotDone();
    engineAnswers.countDown();

    InspectCalls.Outcome outcome = waiting.get(5, TimeUnit.SECONDS);
    assertThat(outcome.abandoned()).isFalse();
    assertThat(outcome.answer()).isSameAs(answer);
  }

  @Test
  void twoDiesQueuedNeedTwoHandled() throws Exception {
    inspects = new InspectCalls(heldEngine(anInspect()), 2);
    inspects.dieQueued(ID);
    inspects.dieQueued(ID);
    inspects.dieHandled(ID);

    assertThat(inspects.inspect(ID, true).abandoned()).isTrue();
  }

  private CompletableFuture<InspectCalls.Outcome> inspectOnAnotherThread(
      String id, boolean mayAbandon) {
    CompletableFuture<InspectCalls.Outcome> outcome = new CompletableFuture<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                outcome.complete(inspects.inspect(id, mayAbandon));
              } catch (Throwable e) {
                outcome.completeExceptionally(e);
              }
            },
            "test-worker");
    worker.setDaemon(true);
    worker.start();
    return outcome;
  }
}
