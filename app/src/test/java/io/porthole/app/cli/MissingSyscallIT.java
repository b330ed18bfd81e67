package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import io.porthole.app.demo.MemfdProbe;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S5, a syscall missing on an older kernel, for real: a static program calls memfd_create in a
 * container whose seccomp profile answers it with errno 38 (ENOSYS), as a kernel older than 3.17
 * would; `porthole up` traces the labelled container with its default trace set, and the
 * MISSING_SYSCALL alert naming memfd_create and this host's kernel reaches the REST API.
 */
class MissingSyscallIT {

  private static final String VIEWER_TOKEN = "missing-syscall-it-viewer-token";

  @TempDir Path dataDir;
  @TempDir Path probeDir;
  private final DockerClient docker = TestDocker.client();
  private String containerId;

  @AfterEach
  void removeContainer() throws Exception {
    if (containerId != null) {
      docker.removeContainerCmd(containerId).withForce(true).exec();
    }
    docker.close();
  }

  @Test
  void memfdCreateAnsweredEnosysGivesAMissingSyscallAlertNamingItAndTheKernel() throws Exception {
    Path probe = MemfdProbe.compile(probeDir);
    String hostId = "it-enosys-" + UUID.randomUUID().toString().substring(0, 8);
    try (PortholeProcess up =
        PortholeProcess.up(Map.of("PORTHOLE_VIEWER_TOKEN", VIEWER_TOKEN), dataDir, hostId)) {
      URI controller = URI.create(up.awaitReadyLine("controller", Duration.ofSeconds(180)));

      containerId =
          docker
              .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
              .withName("porthole-it-enosys-" + hostId)
              .withLabels(Map.of("porthole.trace", "syscalls"))
              .withHostConfig(
                  HostConfig.newHostConfig()
                      .withBinds(new Bind(probeDir.toString(), new Volume("/probe"), AccessMode.ro))
                      .withSecurityOpts(List.of("seccomp=" + MemfdProbe.DENY_MEMFD_PROFILE)))
              .withCmd("/probe/" + probe.getFileName())
              .exec()
              .getId();
      docker.startContainerCmd(containerId).exec();
      int exitCode =
          docker.waitContainerCmd(containerId).start().awaitStatusCode(60, TimeUnit.SECONDS);
      assertThat(exitCode).as("the probe saw ENOSYS (exit 4)").isEqualTo(4);

      JsonObject alert = awaitAlert(controller, Duration.ofSeconds(60), up);
      String kernel = System.getProperty("os.version");
      assertThat(alert.getString("title"))
          .contains("memfd_create")
          .contains(hostId)
          .contains(kernel);
      assertThat(alert.getString("summary")).contains("ENOSYS");
      assertThat(alert.getJsonArray("evidence").encode())
          .contains("memfd_create")
          .contains("ENOSYS");
    }
  }

  /** The MISSING_SYSCALL alert for the container naming this kernel, polled from the API. */
  private JsonObject awaitAlert(URI controller, Duration timeout, PortholeProcess up) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(controller.resolve("/api/v1/alerts?rule=MISSING_SYSCALL"))
            .header("Authorization", "Bearer " + VIEWER_TOKEN)
            .build();
    JsonArray alerts =
        Await.awaiting("a MISSING_SYSCALL alert for " + containerId, timeout)
            .every(Duration.ofMillis(250))
            .withDetail(up::transcript)
            .value(
                () -> {
                  HttpResponse<String> response =
                      http.send(request, HttpResponse.BodyHandlers.ofString());
                  assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                  return new JsonObject(response.body()).getJsonArray("alerts");
                },
                all -> ofThisContainerAndKernel(all).isPresent());
    return ofThisContainerAndKernel(alerts).orElseThrow();
  }

  private Optional<JsonObject> ofThisContainerAndKernel(JsonArray alerts) {
    for (int i = 0; i < alerts.size(); i++) {
      JsonObject alert = alerts.getJsonObject(i);
      if (containerId.equals(alert.getString("containerId"))
          && alert.getString("title", "").contains(System.getProperty("os.version"))) {
        return Optional.of(alert);
      }
    }
    return Optional.empty();
  }
}
