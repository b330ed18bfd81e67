package io.porthole.testing;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;
import java.util.UUID;

/**
 * Docker for tests: a docker-java client over the engine's unix socket (API version left to the
 * engine), names no other test uses, and removal by id (never by a pattern).
 */
public final class TestDocker {

  public static final String BUSYBOX_IMAGE = "porthole/busybox:test";

  private TestDocker() {}

  public static DockerClient client() {
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost("unix:///var/run/docker.sock")
            .build();
    ApacheDockerHttpClient http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofSeconds(60))
            .build();
    return DockerClientImpl.getInstance(config, http);
  }

  /** A container (or network) name no other test uses: {@code porthole-test-<prefix>-<random>}. */
  public static String uniqueName(String prefix) {
    return "porthole-test-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Removes a container by id (or name), killing it first; nothing when it is already gone. */
  public static void removeContainer(DockerClient docker, String idOrName) {
    try {
      docker.removeContainerCmd(idOrName).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // already removed: what the caller wanted
    }
  }
}
