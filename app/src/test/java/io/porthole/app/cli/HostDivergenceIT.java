package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.app.demo.MemfdProbe;
import io.porthole.app.demo.SecondEngine;
import io.porthole.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S5 across hosts, for real: two Docker engines on this machine play two hosts. `porthole up
 * --host-id host-a` watches the first engine; a second collector (`porthole collector --host-id
 * host-b`) watches a second dockerd that this test starts with its own bridge and a seccomp profile
 * answering memfd_create with errno 38, as a kernel older than 3.17 would. The same image runs the
 * same traced memfd_create probe on both: exit 0 on host A, ENOSYS and exit 4 on host B. The
 * HOST_DIVERGENCE alert naming the image, both hosts, their kernels and evidence from each reaches
 * the REST API, and GET /api/v1/images lists the image on both hosts with that divergence. The
 * second engine leaves nothing behind, and docker0 is intact.
 */
class HostDivergenceIT {

  private static final String VIEWER_TOKEN = "host-divergence-it-viewer-token";
  private static final String IMAGE = "porthole/busybox:test";

  @TempDir Path dataDir;
  @TempDir Path hostBDataDir;
  @TempDir Path probeDir;
  @TempDir Path remediationA;
  @TempDir Path remediationB;

  @Test
  void theSameImageFailingOnlyOnHostBRaisesHostDivergenceNamingBothHostsAndLeavesNothingBehind()
      throws Exception {
    long startedAt = System.nanoTime();
    String docker0Before = docker0();
    Path probe = MemfdProbe.compile(probeDir);
    String run = UUID.randomUUID().toString().substring(0, 8);
    String hostA = "it-div-a-" + run;
    String hostB = "it-div-b-" + run;
    long engineStarting = System.nanoTime();
    SecondEngine engine = SecondEngine.start(MemfdProbe.DENY_MEMFD_PROFILE, Duration.ofSeconds(60));
    long engineStarted = System.nanoTime();
    Path engineBase = engine.base();
    String bridge = engine.bridge();
    long enginePid = engine.pid();
    String containerA = null;
    try (engine) {
      engine.loadImage(IMAGE);
      System.out.printf(
          "HostDivergenceIT: second engine answered after %.1f s, image loaded after %.1f s more%n",
          (engineStarted - engineStarting) / 1e9, (System.nanoTime() - engineStarted) / 1e9);
      try (PortholeProcess up =
          PortholeProcess.up(
              Map.of(
                  "PORTHOLE_VIEWER_TOKEN",
                  VIEWER_TOKEN,
                  "PORTHOLE_REMEDIATION_DATA_DIR",
                  remediationA.toString()),
              dataDir,
              hostA)) {
        String kafka = up.awaitReadyLine("kafka", Duration.ofSeconds(180));
        URI controller = URI.create(up.awaitReadyLine("controller", Duration.ofSeconds(180)));
        try (PortholeProcess collectorB =
            PortholeProcess.start(
                // Remediation is not what this test is about: host B's collector runs without the
                // command key.
                Map.of(
                    "PORTHOLE_DOCKER_HOST",
                    engine.dockerHost(),
                    "PORTHOLE_REMEDIATION_ENABLED",
                    "false",
                    "PORTHOLE_REMEDIATION_DATA_DIR",
                    remediationB.toString()),
                List.of(),
                "collector",
                "--host-id",
                hostB,
                "--kafka",
                kafka,
                // its own: the stream position and kernel-log cursor are per engine
                "--data-dir",
                hostBDataDir.toString(),
                // Any free port: the default (9464) may be held by another service on this machine.
                "--http-port",
                "0")) {
          collectorB.awaitOut(line -> line.startsWith("running: "), Duration.ofSeconds(120));

          List<String> probeRun =
              List.of(
                  "-d",
                  "--label",
                  "porthole.trace=syscalls",
                  "-v",
                  probeDir + ":/probe:ro",
                  IMAGE,
                  "/probe/" + probe.getFileName());
          containerA =
              SecondEngine.run(
                      Duration.ofSeconds(60),
                      concat(
                          List.of("docker", "run", "--name", "porthole-it-div-a-" + run), probeRun))
                  .trim();
          String containerB =
              engine
                  .docker(concat(List.of("run", "--name", "porthole-it-div-b-" + run), probeRun))
                  .trim();
          assertThat(SecondEngine.run(Duration.ofSeconds(60), "docker", "wait", containerA).trim())
              .as("host A: memfd_create works")
              .isEqualTo("0");
          assertThat(engine.docker("wait", containerB).trim())
              .as("host B: ENOSYS, exit 4")
              .isEqualTo("4");

          JsonObject alert =
              await(
                  "a HOST_DIVERGENCE alert of " + hostB + " naming " + hostA,
                  controller,
                  "/api/v1/alerts?rule=HOST_DIVERGENCE",
                  "alerts",
                  a ->
                      hostB.equals(a.getString("hostId"))
                          && a.getString("title", "").contains(hostA),
                  Duration.ofSeconds(120),
                  () -> up.transcript() + collectorB.transcript());
          String kernel = System.getProperty("os.version");
          assertThat(alert.getString("title"))
              .contains(IMAGE, hostA, hostB, kernel, "memfd_create = ENOSYS");
          String evidence = alert.getJsonArray("evidence").encode();
          assertThat(evidence)
              .contains(hostB + ": ")
              .contains("ENOSYS")
              .contains(hostA + ": ")
              .contains("memfd_create");
          assertThat(alert.getJsonObject("attributes").getString("reference_host"))
              .isEqualTo(hostA);

          JsonObject image =
              await(
                  "an entry of " + IMAGE + " with a divergence",
                  controller,
                  "/api/v1/images",
                  "images",
                  i ->
                      IMAGE.equals(i.getString("image"))
                          && !i.getJsonArray("divergences").isEmpty(),
                  Duration.ofSeconds(30),
                  () -> up.transcript() + collectorB.transcript());
          assertThat(image.getJsonArray("hosts").encode()).contains(hostA).contains(hostB);
          assertThat(
                  image.getJsonArray("divergences").getJsonObject(0).getString("referenceHostId"))
              .isEqualTo(hostA);
        }
      } finally {
        if (containerA != null) {
          SecondEngine.run(Duration.ofSeconds(60), "docker", "rm", "-f", containerA);
        }
      }
    }
    assertThat(ProcessHandle.of(enginePid).map(ProcessHandle::isAlive).orElse(false))
        .as("second dockerd gone")
        .isFalse();
    assertThat(Files.exists(engineBase)).as("its directories and socket gone").isFalse();
    assertThat(SecondEngine.mountsUnder(engineBase)).as("nothing of it mounted").isEmpty();
    assertThat(Files.exists(Path.of("/sys/class/net", bridge))).as("its bridge deleted").isFalse();
    assertThat(docker0())
        .as("docker0 intact (same index, MAC and addresses)")
        .isEqualTo(docker0Before);
    assertThat(SecondEngine.containerdNamespaces())
        .as("its containerd namespaces removed")
        .noneMatch(ns -> ns.startsWith(engine.name()));
    assertThat(
            SecondEngine.run(
                Duration.ofSeconds(30),
                "docker",
                "ps",
                "-aq",
                "--filter",
                "name=porthole-it-div-" + run))
        .as("host A's container removed")
        .isBlank();
    System.out.printf("HostDivergenceIT: %.1f s%n", (System.nanoTime() - startedAt) / 1e9);
  }

  /**
   * What identifies docker0: its index, MAC address and addresses (not its carrier state, which
   * changes as containers of other tests come and go).
   */
  private static String docker0() throws Exception {
    String link = SecondEngine.run(Duration.ofSeconds(10), "ip", "-o", "link", "show", "docker0");
    String index = link.substring(0, link.indexOf(':'));
    String mac = link.replaceAll("(?s).*link/ether (\\S+).*", "$1");
    String addresses =
        SecondEngine.run(Duration.ofSeconds(10), "ip", "-o", "addr", "show", "docker0")
            .lines()
            .map(l -> l.trim().split("\\s+")[3])
            .sorted()
            .toList()
            .toString();
    return index + " " + mac + " " + addresses;
  }

  private static String[] concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
  }

  /**
   * Polls {@code path} until the array {@code field} of its answer holds a {@code wanted} item, and
   * returns that item.
   */
  private static JsonObject await(
      String what,
      URI controller,
      String path,
      String field,
      Predicate<JsonObject> wanted,
      Duration timeout,
      Supplier<String> transcripts) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(controller.resolve(path))
            .header("Authorization", "Bearer " + VIEWER_TOKEN)
            .build();
    JsonArray items =
        Await.awaiting(what, timeout)
            .every(Duration.ofMillis(250))
            .withDetail(transcripts)
            .value(
                () -> {
                  HttpResponse<String> response =
                      http.send(request, HttpResponse.BodyHandlers.ofString());
                  assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                  return new JsonObject(response.body()).getJsonArray(field);
                },
                all -> first(all, wanted).isPresent());
    return first(items, wanted).orElseThrow();
  }

  private static Optional<JsonObject> first(JsonArray items, Predicate<JsonObject> wanted) {
    for (int i = 0; i < items.size(); i++) {
      if (wanted.test(items.getJsonObject(i))) {
        return Optional.of(items.getJsonObject(i));
      }
    }
    return Optional.empty();
  }
}
