package io.porthole.collector.kmsg;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.EventSink;
import io.porthole.collector.HostContext;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.EventSource;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * The kernel log's OOM kills, on the real kernel and engine: a child OOM-killed while its container
 * lives on becomes an {@code oom} event with source KERNEL_LOG and the killed task; a restart on
 * the same data directory resumes after the kills already published; an unreadable device degrades
 * the source without failing it.
 */
class KernelOomSourceIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long MEMORY = 16L << 20;

  @TempDir Path dataDir;

  private final String run = "porthole-kmsg-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<EventEnvelope> published = Collections.synchronizedList(new ArrayList<>());
  private final EventSink sink = (topic, envelope) -> published.add(envelope);
  private final List<String> containers = new ArrayList<>();
  private Vertx vertx;
  private DockerClient docker;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    docker = TestDocker.client();
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
    await(vertx.close());
  }

  @Test
  void aChildKilledWhileTheContainerLivesOnIsAKernelLogOomAndARestartResumesAfterIt()
      throws Exception {
    CollectorStats stats = new CollectorStats();
    KernelOomSource first = source(stats, Path.of("/dev/kmsg"));
    await(first.start());
    assertThat(stats.degradedSources()).doesNotContainKey(KernelOomSource.SOURCE);

    String survivor = startChildKiller("survivor");
    awaitCondition(() -> count(survivor) == 1, "the kernel log's oom of " + survivor);
    EventEnvelope oom = only(survivor);
    assertThat(oom.getContainerEvent().getAction()).isEqualTo(ContainerAction.OOM);
    assertThat(oom.getContainerEvent().getSource()).isEqualTo(EventSource.KERNEL_LOG);
    assertThat(oom.getContainerEvent().getKernelOom().getTask()).isEqualTo("dd");
    assertThat(oom.getContainerEvent().getKernelOom().getPid()).isPositive();
    assertThat(oom.getContainerEvent().getKernelOom().getConstraint())
        .isEqualTo("CONSTRAINT_MEMCG");
    assertThat(oom.getContainerEvent().hasStartedAt()).isTrue();
    assertThat(oom.getContainerEvent().getConfig().getMemoryLimitBytes()).isEqualTo(MEMORY);
    assertThat(docker.inspectContainerCmd(survivor).exec().getState().getRunning())
        .as("only the child was killed")
        .isTrue();
    assertThat(stats.kmsgOomKills.get()).isPositive();
    await(first.stop());
    assertThat(Files.exists(dataDir.resolve(KernelOomSource.CURSOR_FILE))).isTrue();

    // killed while the source is down: logged before the next start, after the cursor
    String inTheGap = startChildKiller("gap");
    awaitCondition(
        () -> oomKills(inTheGap) >= 1, "the kernel to OOM-kill the child of " + inTheGap);

    KernelOomSource second = source(new CollectorStats(), Path.of("/dev/kmsg"));
    await(second.start());
    awaitCondition(
        () -> count(inTheGap) == 1, "the kernel log's oom of " + inTheGap + " after the restart");
    await(second.stop());
    assertThat(count(survivor))
        .as("the kill before the restart is not published again")
        .isEqualTo(1);
    assertThat(only(inTheGap).getContainerEvent().getKernelOom().getSequence())
        .isGreaterThan(oom.getContainerEvent().getKernelOom().getSequence());
  }

  @Test
  void anUnreadableDeviceDegradesTheSourceAndItsStartSucceeds() throws Exception {
    CollectorStats stats = new CollectorStats();
    KernelOomSource source = source(stats, dataDir.resolve("no-such-kmsg"));
    await(source.start());
    assertThat(stats.degradedSources()).containsKey(KernelOomSource.SOURCE);
    assertThat(stats.degradedSources().get(KernelOomSource.SOURCE))
        .contains("cannot read", "CAP_SYSLOG");
    await(source.stop());
  }

  private KernelOomSource source(CollectorStats stats, Path device) {
    return new KernelOomSource(
        new HostContext(vertx, "it-host", docker, new ContainerDirectory(), sink, stats, dataDir),
        new KmsgConfig(true, device),
        Duration.ofMillis(50));
  }

  /** A 16 MiB container whose child dd is OOM-killed while its shell sleeps on. */
  private String startChildKiller(String suffix) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName(run + "-" + suffix)
            .withHostConfig(new HostConfig().withMemory(MEMORY).withMemorySwap(MEMORY))
            .withCmd("sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M; sleep 60")
            .exec()
            .getId();
    containers.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  /**
   * The container's memory cgroup's OOM kill count (cgroup v1, cgroupfs driver, as on these hosts).
   */
  private static int oomKills(String id) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/sys/fs/cgroup/memory/docker", id, "memory.oom_control"))) {
        if (line.startsWith("oom_kill ")) {
          return Integer.parseInt(line.substring(9).trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private long count(String id) {
    synchronized (published) {
      return published.stream().filter(e -> e.getContainerId().equals(id)).count();
    }
  }

  private EventEnvelope only(String id) {
    synchronized (published) {
      return published.stream()
          .filter(e -> e.getContainerId().equals(id))
          .findFirst()
          .orElseThrow();
    }
  }

  private static void awaitCondition(BooleanSupplier condition, String what)
      throws InterruptedException {
    Await.until(what, WAIT, condition::getAsBoolean);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
