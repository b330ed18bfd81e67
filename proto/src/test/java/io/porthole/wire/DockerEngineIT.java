package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.porthole.testing.TestDocker;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** docker-java reaches the real engine and sees a container the test starts (and removes). */
class DockerEngineIT {

  @Test
  void seesAContainerItStarted() throws Exception {
    try (DockerClient docker = TestDocker.client()) {
      String name = "porthole-it-" + UUID.randomUUID().toString().substring(0, 8);
      String id =
          docker
              .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
              .withName(name)
              .withCmd("sleep", "60")
              .exec()
              .getId();
      try {
        docker.startContainerCmd(id).exec();
        List<Container> running = docker.listContainersCmd().withNameFilter(List.of(name)).exec();
        assertThat(running).extracting(Container::getId).containsExactly(id);
        assertThat(docker.inspectContainerCmd(id).exec().getState().getRunning()).isTrue();
      } finally {
        docker.removeContainerCmd(id).withForce(true).exec();
      }
      try {
        docker.inspectContainerCmd(id).exec();
        throw new AssertionError("container " + id + " still exists after removal");
      } catch (NotFoundException expected) {
        // removed
      }
    }
  }
}
