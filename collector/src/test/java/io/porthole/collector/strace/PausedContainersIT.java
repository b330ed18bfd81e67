package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.HostContext;
import io.porthole.testing.TestDocker;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container the tracer paused to attach and a crash left paused is unpaused when the tracer next
 * starts on the same data directory, and its record removed; a record of a container that is gone
 * is forgotten. On the real engine.
 */
class PausedContainersIT {

  @TempDir Path dataDir;

  @Test
  void theNextStartUnpausesWhatAPreviousRunLeftPaused() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (DockerClient docker = TestDocker.client()) {
      String id =
          docker
              .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
              .withName("porthole-paused-" + UUID.randomUUID().toString().substring(0, 8))
              .withCmd("sleep", "60")
              .exec()
              .getId();
      try {
        docker.startContainerCmd(id).exec();
        // what a run that crashed between pausing and unpausing leaves behind
        PausedContainers crashedRun = new PausedContainers(dataDir);
        assertThat(crashedRun.aboutToPause(id)).isTrue();
        docker.pauseContainerCmd(id).exec();
        assertThat(crashedRun.aboutToPause("f".repeat(64))).isTrue(); // a container since removed

        SyscallTracer tracer =
            new SyscallTracer(
                new HostContext(
                    vertx,
                    "it-host",
                    docker,
                    new ContainerDirectory(),
                    (topic, envelope) -> {},
                    new CollectorStats(),
                    dataDir),
                StraceConfig.defaults());
        tracer.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        tracer.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(docker.inspectContainerCmd(id).exec().getState().getPaused()).isFalse();
        assertThat(new PausedContainers(dataDir).recorded()).isEmpty();
      } finally {
        docker.removeContainerCmd(id).withForce(true).exec();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }
}
