package io.porthole.collector;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;

/**
 * docker-java clients over the engine's socket. The API version is left unset: the engine
 * negotiates (Debian's 20.10 speaks 1.41 and refuses newer pinned versions).
 */
public final class DockerClients {

  public static final String DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

  private DockerClients() {}

  /**
   * @param dockerHost e.g. {@code unix:///var/run/docker.sock} or {@code tcp://127.0.0.1:2375}
   * @param responseTimeout for ordinary calls; use {@link Duration#ZERO} for the events stream
   */
  public static DockerClient create(String dockerHost, Duration responseTimeout) {
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
    ApacheDockerHttpClient.Builder http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .maxConnections(32)
            .connectionTimeout(Duration.ofSeconds(5));
    if (!responseTimeout.isZero()) {
      http.responseTimeout(responseTimeout);
    }
    return DockerClientImpl.getInstance(config, http.build());
  }
}
