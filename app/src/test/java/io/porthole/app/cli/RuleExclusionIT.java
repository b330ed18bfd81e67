package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.testing.TestDocker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules tuned without code, on the real engine and a real Kafka: `porthole up --kafka` (the shared
 * Testcontainers broker) with {@code rule.host.namespaces.exclude.names} set, and three identical
 * containers in the host's pid namespace with the OOM killer disabled and no memory limit. One is
 * excluded by name, one silences HOST_NAMESPACES with its {@code porthole.ignore} label, one is
 * neither: only that one gets a HOST_NAMESPACES alert, while all three get
 * OOM_KILL_DISABLED_UNBOUNDED. That second alert proves each container's events were analysed: the
 * engine runs HOST_NAMESPACES first on the same record and alerts of one container share a
 * partition, so a HOST_NAMESPACES alert would have reached the controller before it.
 */
class RuleExclusionIT {

  private static final String VIEWER_TOKEN = "rule-exclusion-it-viewer-token";
  private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);

  @TempDir Path dataDir;
  private final DockerClient docker = TestDocker.client();
  private final List<String> containers = new ArrayList<>();

  @AfterEach
  void removeContainers() throws Exception {
    for (String id : containers) {
      docker.removeContainerCmd(id).withForce(true).exec();
    }
    docker.close();
  }

  @Test
  void anExcludedOrLabelledContainerRaisesNothingWhileAnIdenticalOneRaisesTheAlert()
      throws Exception {
    String hostId = "it-exclusion-" + SUFFIX;
    Map<String, String> env =
        Map.of(
            "PORTHOLE_VIEWER_TOKEN",
            VIEWER_TOKEN,
            "PORTHOLE_RULE_HOST_NAMESPACES_EXCLUDE_NAMES",
            "porthole-it-excluded-" + SUFFIX + "-*",
            // Lean: no packet capture, and no strace attached to other tests' traced containers.
            "PORTHOLE_CAPTURE_ENABLED",
            "false",
            "PORTHOLE_STRACE_BINARY",
            "/nonexistent/strace");
    try (PortholeProcess up =
        PortholeProcess.up(
            env,
            dataDir,
            hostId,
            "--kafka",
            SharedKafka.bootstrapServers(),
            "--topic-prefix",
            hostId + ".")) {
      URI controller = URI.create(up.awaitReadyLine("controller", Duration.ofSeconds(180)));

      String plain = start("porthole-it-plain-" + SUFFIX, Map.of());
      String labelled =
          start("porthole-it-labelled-" + SUFFIX, Map.of("porthole.ignore", "HOST_NAMESPACES"));
      String excluded = start("porthole-it-excluded-" + SUFFIX + "-1", Map.of());

      Map<String, Set<String>> rules =
          awaitRules(
              controller,
              Duration.ofSeconds(90),
              up,
              Map.of(
                  plain,
                  Set.of("HOST_NAMESPACES", "OOM_KILL_DISABLED_UNBOUNDED"),
                  labelled,
                  Set.of("OOM_KILL_DISABLED_UNBOUNDED"),
                  excluded,
                  Set.of("OOM_KILL_DISABLED_UNBOUNDED")));

      assertThat(rules.get(plain))
          .containsExactly("HOST_NAMESPACES", "OOM_KILL_DISABLED_UNBOUNDED");
      assertThat(rules.get(labelled))
          .as("silenced by porthole.ignore")
          .containsExactly("OOM_KILL_DISABLED_UNBOUNDED");
      assertThat(rules.get(excluded))
          .as("excluded by name")
          .containsExactly("OOM_KILL_DISABLED_UNBOUNDED");
    }
  }

  /** {@code docker run -d --pid=host --oom-kill-disable [labels] busybox sleep 600}. */
  private String start(String name, Map<String, String> labels) {
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName(name)
            .withLabels(labels)
            .withHostConfig(HostConfig.newHostConfig().withPidMode("host").withOomKillDisable(true))
            .withCmd("sleep", "600")
            .exec()
            .getId();
    containers.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  /**
   * Polls the REST API until every container has at least the expected rules' alerts; returns the
   * rules each container's alerts name.
   */
  private static Map<String, Set<String>> awaitRules(
      URI controller, Duration timeout, PortholeProcess up, Map<String, Set<String>> expected)
      throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    return Await.awaiting("alerts naming at least the rules " + expected, timeout)
        .every(Duration.ofMillis(250))
        .withDetail(up::transcript)
        .value(
            () -> rulesByContainer(http, controller, expected.keySet()),
            now ->
                expected.entrySet().stream()
                    .allMatch(
                        e -> now.getOrDefault(e.getKey(), Set.of()).containsAll(e.getValue())));
  }

  private static Map<String, Set<String>> rulesByContainer(
      HttpClient http, URI controller, Set<String> containers) throws Exception {
    Map<String, Set<String>> rules = new HashMap<>();
    for (String container : containers) {
      HttpRequest request =
          HttpRequest.newBuilder(controller.resolve("/api/v1/alerts?container=" + container))
              .header("Authorization", "Bearer " + VIEWER_TOKEN)
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonArray alerts = new JsonObject(response.body()).getJsonArray("alerts");
      Set<String> names = new TreeSet<>();
      for (int i = 0; i < alerts.size(); i++) {
        JsonObject alert = alerts.getJsonObject(i);
        if (container.equals(alert.getString("containerId"))) {
          names.add(alert.getString("rule"));
        }
      }
      rules.put(container, names);
    }
    return rules;
  }
}
