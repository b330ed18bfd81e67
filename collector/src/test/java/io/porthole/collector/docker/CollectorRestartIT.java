package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.HostConfig;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.DockerClients;
import io.porthole.collector.EventSink;
import io.porthole.collector.HostContext;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.EventSource;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import io.porthole.wire.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector's own downtime loses no lifecycle event, on the real engine: while its Docker
 * source is stopped, one container is OOM-killed and another exits; started again on the same data
 * directory, the source publishes the oom and die of the first and the die of the second exactly
 * once, whether the engine still replays them (since/until) or not (then reconciled from inspect),
 * and nothing published before the stop is published again.
 */
class CollectorRestartIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long MEMORY = 16L << 20;

  /** More events than the engine keeps for replay (moby keeps the last 256). */
  private static final int FLOOD_EVENTS = 300;

  @TempDir Path dataDir;

  private final String run = "porthole-rel-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<EventEnvelope> published = Collections.synchronizedList(new ArrayList<>());
  private final EventSink sink = (topic, envelope) -> published.add(envelope);
  private final List<String> containers = new ArrayList<>();
  private final long startedSeconds = Instant.now().getEpochSecond() - 1;
  private Vertx vertx;
  private DockerClient docker;
  private DockerClient events;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    docker = TestDocker.client();
    events = DockerClients.create(DockerClients.DEFAULT_DOCKER_HOST, Duration.ZERO);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (String id : containers) {
      try {
        docker.removeContainerCmd(id).withForce(true).exec();
      } catch (RuntimeException e) {
        // already gone
      }
    }
    docker.close();
    events.close();
    await(vertx.close());
  }

  @Test
  void whatTheEngineStillReplaysIsPublishedOnceAfterTheRestart() throws Exception {
    Gap gap = stopWhileOneIsOomKilledAndAnotherExits(false);
    // The kernel's OOM killer may act more than once on one container, and the engine then emits
    // an oom event each time (seen in CI): each event the engine emitted is published once.
    List<Long> engineOoms = engineEventTimes(gap.oomKilled, "oom");
    assertThat(engineOoms).isNotEmpty();
    assertExactlyOnce(gap, engineOoms.size());
    assertThat(publishedTimes(gap.oomKilled, ContainerAction.OOM))
        .containsExactlyInAnyOrderElementsOf(engineOoms);
    assertThat(sourceOf(gap.oomKilled, ContainerAction.DIE)).isEqualTo(EventSource.ENGINE_EVENT);
  }

  @Test
  void whatTheEngineNoLongerReplaysIsReconciledOnceAfterTheRestart() throws Exception {
    Gap gap = stopWhileOneIsOomKilledAndAnotherExits(true);
    // The engine's events are gone: reconciliation reports the container's OOM kill once.
    assertExactlyOnce(gap, 1);
    assertThat(sourceOf(gap.oomKilled, ContainerAction.DIE)).isEqualTo(EventSource.RECONCILED);
    assertThat(sourceOf(gap.oomKilled, ContainerAction.OOM)).isEqualTo(EventSource.RECONCILED);
    assertThat(sourceOf(gap.exited, ContainerAction.DIE)).isEqualTo(EventSource.RECONCILED);
    EventEnvelope die = only(gap.oomKilled, ContainerAction.DIE);
    assertThat(die.getContainerEvent().getOomKilled()).isTrue();
    assertThat(die.getContainerEvent().getExitCode()).isEqualTo(137);
    assertThat(die.getContainerEvent().hasStartedAt()).isTrue();
    assertThat(only(gap.exited, ContainerAction.DIE).getContainerEvent().getExitCode())
        .isEqualTo(3);

    // a third start after nothing happened to them reconciles nothing again
    int before = published.size();
    DockerEventSource third = source(new CollectorStats());
    await(third.start());
    await(third.stop());
    assertThat(published.subList(before, published.size()))
        .filteredOn(
            e -> e.getContainerId().equals(gap.oomKilled) || e.getContainerId().equals(gap.exited))
        .allSatisfy(
            e -> assertThat(e.getContainerEvent().getAction()).isEqualTo(ContainerAction.SNAPSHOT));
  }

  private record Gap(String oomKilled, String exited, String bystander) {}

  private Gap stopWhileOneIsOomKilledAndAnotherExits(boolean floodTheEnginesBuffer)
      throws Exception {
    CollectorStats stats = new CollectorStats();
    DockerEventSource first = source(stats);
    await(first.start());
    String bystander = create("bystander", new HostConfig(), "sleep", "120");
    String oomKilled =
        create(
            "oom",
            new HostConfig().withMemory(MEMORY).withMemorySwap(MEMORY),
            "sh",
            "-c",
            "sleep 3; exec dd if=/dev/zero of=/dev/null bs=64M");
    String exited = create("exit", new HostConfig(), "sh", "-c", "sleep 3; exit 3");
    for (String id : List.of(bystander, oomKilled, exited)) {
      docker.startContainerCmd(id).exec();
    }
    awaitCondition(
        () ->
            count(oomKilled, ContainerAction.START) == 1
                && count(exited, ContainerAction.START) == 1,
        "the starts to be published");
    await(first.stop());
    assertThat(Files.exists(dataDir.resolve(DockerEventSource.POSITION_FILE))).isTrue();
    assertThat(count(oomKilled, ContainerAction.DIE))
        .as("the collector stopped before the death")
        .isZero();

    awaitCondition(
        () -> !running(oomKilled) && !running(exited),
        "both containers to end while the source is down");
    if (floodTheEnginesBuffer) {
      for (int i = 0; i < FLOOD_EVENTS; i++) {
        docker.renameContainerCmd(bystander).withName(run + "-bystander-" + i).exec();
      }
    }

    DockerEventSource second = source(new CollectorStats());
    await(second.start());
    awaitCondition(
        () ->
            count(oomKilled, ContainerAction.DIE) >= 1
                && count(exited, ContainerAction.DIE) >= 1
                && count(oomKilled, ContainerAction.OOM) >= 1,
        "the missed events to be published");
    await(second.stop());
    return new Gap(oomKilled, exited, bystander);
  }

  private void assertExactlyOnce(Gap gap, long ooms) {
    assertThat(count(gap.oomKilled, ContainerAction.OOM)).isEqualTo(ooms);
    assertThat(count(gap.oomKilled, ContainerAction.DIE)).isEqualTo(1);
    assertThat(count(gap.exited, ContainerAction.DIE)).isEqualTo(1);
    assertThat(count(gap.oomKilled, ContainerAction.START))
        .as("published before the stop only")
        .isEqualTo(1);
    assertThat(count(gap.exited, ContainerAction.START)).isEqualTo(1);
    assertThat(count(gap.bystander, ContainerAction.CREATE)).isEqualTo(1);
  }

  private DockerEventSource source(CollectorStats stats) {
    return new DockerEventSource(
        new HostContext(vertx, "it-host", docker, new ContainerDirectory(), sink, stats, dataDir),
        events,
        new DockerEventsConfig(
            Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMillis(50)));
  }

  private String create(String suffix, HostConfig host, String... cmd) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName(run + "-" + suffix)
            .withHostConfig(host)
            .withCmd(cmd)
            .exec()
            .getId();
    containers.add(id);
    return id;
  }

  private boolean running(String id) {
    return Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning());
  }

  /** The container's published events of {@code action}, in publishing order. */
  private List<EventEnvelope> published(String id, ContainerAction action) {
    synchronized (published) {
      return published.stream()
          .filter(e -> e.getContainerId().equals(id) && e.getContainerEvent().getAction() == action)
          .toList();
    }
  }

  private long count(String id, ContainerAction action) {
    return published(id, action).size();
  }

  /** When each of the container's published events of {@code action} happened (engine time). */
  private List<Long> publishedTimes(String id, ContainerAction action) {
    return published(id, action).stream().map(e -> Timestamps.toEpochNanos(e.getTime())).toList();
  }

  /**
   * The times ({@code timeNano}) of the container's events of {@code action} the engine emitted.
   */
  private List<Long> engineEventTimes(String id, String action) throws InterruptedException {
    List<Long> times = Collections.synchronizedList(new ArrayList<>());
    ResultCallback.Adapter<Event> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Event event) {
            times.add(event.getTimeNano());
          }
        };
    events
        .eventsCmd()
        .withSince(Long.toString(startedSeconds))
        .withUntil(Long.toString(Instant.now().getEpochSecond() + 1))
        .withContainerFilter(id)
        .withEventFilter(action)
        .exec(callback);
    assertThat(callback.awaitCompletion(30, TimeUnit.SECONDS))
        .as("the engine's events of " + id)
        .isTrue();
    return List.copyOf(times);
  }

  private EventEnvelope only(String id, ContainerAction action) {
    return published(id, action).stream().findFirst().orElseThrow();
  }

  private EventSource sourceOf(String id, ContainerAction action) {
    return only(id, action).getContainerEvent().getSource();
  }

  private static void awaitCondition(BooleanSupplier condition, String what)
      throws InterruptedException {
    Await.until(what, WAIT, condition::getAsBoolean);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
