package io.porthole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.Settings;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.testing.TestDocker;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Restarting the Docker engine under a running collector loses no lifecycle event: a container that
 * exits while the engine is down is reported dead, a container created right after the engine is
 * back is reported created and started, and the reconnect is counted. The engine runs with
 * --live-restore, so the test's Kafka survives the restart. Other work shares this engine: this
 * test stops it for a few seconds, and always starts it again.
 */
class DockerEngineRestartIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Path DOCKER_PID = Path.of("/var/run/docker.pid");

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final TopicNames topics = TopicNames.withPrefix("it-" + run + ".");

  @Test
  void restartingTheEngineLosesNoLifecycleEvent() throws Exception {
    String kafka = SharedKafka.containerId();
    SharedKafka.createTopics(3, topics.names(Topic.CONTAINER_EVENTS, Topic.HEARTBEATS));
    Vertx vertx = Vertx.vertx();
    CollectorService collector =
        CollectorService.create(
            vertx,
            Settings.of(
                Map.of(
                    "kafka.bootstrap.servers",
                    SharedKafka.bootstrapServers(),
                    "host.id",
                    "it-host-" + run,
                    "topic.prefix",
                    topics.prefix(),
                    "remediation.enabled",
                    "false",
                    "capture.enabled",
                    "false",
                    "docker.reconnect.backoff.min",
                    "100ms",
                    "docker.reconnect.backoff.max",
                    "1s",
                    "collector.data.dir",
                    Files.createTempDirectory("porthole-engine-restart-it").toString())));
    List<String> containers = new ArrayList<>();
    try (DockerClient docker = TestDocker.client();
        EnvelopeReader<EventEnvelope> reader =
            EnvelopeReader.envelopes(topics.name(Topic.CONTAINER_EVENTS))) {
      collector.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      String shortLived = create(docker, containers, "short", "3");
      docker.startContainerCmd(shortLived).exec();
      reader.await(r -> has(r, shortLived, ContainerAction.START), WAIT, "start of " + shortLived);
      awaitCondition(
          () -> collector.directory().byId(shortLived).isPresent(),
          "the directory to know " + shortLived);
      int shortLivedPid = collector.directory().byId(shortLived).orElseThrow().pid();
      long reconnectsBefore = collector.stats().dockerReconnects.get();

      String newcomer;
      try {
        stopEngine();
        awaitCondition(
            () -> !isAlive(shortLivedPid),
            "the short-lived container to exit while the engine is down");
      } finally {
        startEngine();
      }
      // a new client: pooled connections to the old daemon are dead, and a POST is not retried
      DockerClient afterRestart = TestDocker.client();
      newcomer = create(afterRestart, containers, "new", "30");
      afterRestart.startContainerCmd(newcomer).exec();
      afterRestart.close();

      List<EventEnvelope> read =
          reader.await(
              r ->
                  has(r, shortLived, ContainerAction.DIE)
                      && has(r, newcomer, ContainerAction.CREATE)
                      && has(r, newcomer, ContainerAction.START),
              WAIT,
              "die of " + shortLived + ", create and start of " + newcomer);
      EventEnvelope die = first(read, shortLived, ContainerAction.DIE);
      // Docker 20.10 emits no die for a container that exited while it was down (measured): the
      // collector's reconcile reports it, once, with the exit state and time from inspect.
      assertThat(read)
          .filteredOn(
              e ->
                  e.getContainerId().equals(shortLived)
                      && e.getContainerEvent().getAction() == ContainerAction.DIE)
          .hasSize(1);
      assertThat(die.getContainerEvent().getRawAction()).isIn("die", "die (reconciled)");
      assertThat(die.getContainerEvent().getExitCode()).isZero();
      assertThat(die.getContainerEvent().getState()).isEqualTo("exited");
      assertThat(collector.stats().dockerReconnects.get()).isGreaterThan(reconnectsBefore);
      assertThat(collector.directory().byId(shortLived)).isEmpty();
      awaitCondition(
          () -> collector.directory().byId(newcomer).isPresent(),
          "the directory to know " + newcomer);
      assertThat(collector.stats().degradedSources()).doesNotContainKey("docker");
      // --live-restore kept the test's Kafka running through the restart (it also served this test)
      try (DockerClient check = TestDocker.client()) {
        assertThat(check.inspectContainerCmd(kafka).exec().getState().getRunning()).isTrue();
      }
    } finally {
      collector.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try (DockerClient docker = TestDocker.client()) {
        for (String id : containers) {
          docker.removeContainerCmd(id).withForce(true).exec();
        }
      }
    }
  }

  private String create(
      DockerClient docker, List<String> containers, String suffix, String seconds) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName("porthole-it-" + run + "-" + suffix)
            .withCmd("sleep", seconds)
            .exec()
            .getId();
    containers.add(id);
    return id;
  }

  private static boolean has(
      List<EventEnvelope> envelopes, String containerId, ContainerAction action) {
    return envelopes.stream()
        .anyMatch(
            e ->
                e.getContainerId().equals(containerId)
                    && e.getContainerEvent().getAction() == action);
  }

  private static EventEnvelope first(
      List<EventEnvelope> envelopes, String containerId, ContainerAction action) {
    return envelopes.stream()
        .filter(
            e ->
                e.getContainerId().equals(containerId)
                    && e.getContainerEvent().getAction() == action)
        .findFirst()
        .orElseThrow();
  }

  /** SIGTERM to the daemon of /var/run/docker.pid, then waits until it has exited. */
  private static void stopEngine() throws IOException, InterruptedException {
    int pid = Integer.parseInt(Files.readString(DOCKER_PID).trim());
    Process kill = new ProcessBuilder("kill", "-TERM", String.valueOf(pid)).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -TERM dockerd").isZero();
    // gone, not only a zombie: porthole_start_docker starts no dockerd while pgrep still sees one
    awaitCondition(() -> !Files.exists(Path.of("/proc/" + pid)), "dockerd " + pid + " to exit");
  }

  /**
   * Starts the daemon exactly as dev/lib.sh does (dockerd --live-restore) and waits until it
   * answers; tries a second time if the first attempt did not get it to answer.
   */
  private static void startEngine() throws IOException, InterruptedException {
    if (!runStartScript()) {
      assertThat(runStartScript())
          .as("porthole_start_docker succeeded on the second attempt")
          .isTrue();
    }
  }

  private static boolean runStartScript() throws IOException, InterruptedException {
    File lib = new File("../dev/lib.sh");
    Process start =
        new ProcessBuilder(
                "bash", "-c", "source \"$0\" && porthole_start_docker", lib.getAbsolutePath())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .start();
    return start.waitFor(60, TimeUnit.SECONDS) && start.exitValue() == 0;
  }

  /** A process that is gone or a zombie has exited. */
  private static boolean isAlive(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  private static void awaitCondition(BooleanSupplier condition, String what)
      throws InterruptedException {
    Await.until(what, WAIT, condition::getAsBoolean);
  }
}
