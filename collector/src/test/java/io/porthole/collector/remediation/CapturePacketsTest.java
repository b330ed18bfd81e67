package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.Settings;
import io.porthole.testing.TestDocker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which interfaces CAPTURE_PACKETS captures on, for a container on two networks (recorded ip
 * output): all of them, or only the one {@code capture_interface} names inside the container.
 */
class CapturePacketsTest {

  private static final String CONTAINER =
      "5623fc97aa00bb11cc22dd33ee44ff5566778899aabbccddeeff00112233";
  private static final String NSENTER = "nsenter --target 19998 --net ip -d -o link show";
  private static final Instant NOW = Instant.parse("2026-12-06T07:00:00Z");

  @TempDir Path proc;
  @TempDir Path data;
  private final Vertx vertx = Vertx.vertx();
  private final RecordedCommands commands =
      new RecordedCommands()
          .answer(NSENTER, Fixtures.read("two-networks-ns-links.txt"))
          .answer("ip -d -o link show", Fixtures.read("two-networks-host-links.txt"))
          .answer("ip -4 route show default", Fixtures.read("route-default.txt"))
          .answer("ip -6 route show default", "");
  private final ResultFactory results =
      new ResultFactory("host-a", Clock.fixed(NOW, ZoneOffset.UTC));
  private RemediationConfig config;

  @BeforeEach
  void containerOnTwoNetworks() throws IOException {
    link("self/ns/net", "net:[4026531833]");
    link("19998/ns/net", "net:[4026532301]");
    config = RemediationConfig.from(Settings.of(Map.of("remediation.data.dir", data.toString())));
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await();
  }

  @Test
  void withoutANamedInterfaceItCapturesOnEveryInterface() throws Exception {
    RemediationResult result = done(handle(capture("").setDryRun(true))).get(0);

    assertThat(result.getStatus()).as(result.getDetail()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(result.getInterface()).isEqualTo("veth019ed7b,veth176cb02");
    assertThat(result.getDetail())
        .contains("eth0 -> host veth veth019ed7b")
        .contains("eth1 -> host veth veth176cb02");
  }

  @Test
  void aNamedInterfaceIsTheOnlyOneCapturedOn() throws Exception {
    RemediationResult result = done(handle(capture("eth1").setDryRun(true))).get(0);

    assertThat(result.getStatus()).as(result.getDetail()).isEqualTo(RemediationStatus.SUCCEEDED);
    assertThat(result.getInterface()).isEqualTo("veth176cb02");
    assertThat(result.getDetail())
        .startsWith("dry run: would capture on eth1 -> host veth veth176cb02")
        .contains("network backend")
        .doesNotContain("eth0")
        .doesNotContain("veth019ed7b");
  }

  @Test
  void anInterfaceTheContainerDoesNotHaveIsRejectedListingTheOnesItHas() throws Exception {
    RemediationCommand command = capture("eth7").setDurationSeconds(1).build();

    Throwable refusal = failure(handle(command));

    assertThat(refusal)
        .isInstanceOf(RemediationRefused.class)
        .hasMessage(
            "container web has no interface 'eth7' (capture_interface);"
                + " its interfaces: eth0, eth1");
    RemediationResult result = results.failure(command, NOW, refusal);
    assertThat(result.getStatus()).isEqualTo(RemediationStatus.REJECTED);
    assertThat(result.getInterface()).isEmpty();
    assertThat(config.captureDir()).as("nothing was captured").doesNotExist();
  }

  @Test
  void theHostSideNameIsNotAnInterfaceOfTheContainer() throws Exception {
    Throwable refusal = failure(handle(capture("veth176cb02").setDryRun(true).build()));

    assertThat(refusal)
        .isInstanceOf(RemediationRefused.class)
        .hasMessageContaining("has no interface 'veth176cb02'");
  }

  private Future<List<RemediationResult>> handle(RemediationCommand.Builder command) {
    return handle(command.build());
  }

  private Future<List<RemediationResult>> handle(RemediationCommand command) {
    ContainerDirectory directory = new ContainerDirectory();
    directory.running(
        new ContainerInfo(CONTAINER, "web", "busybox", 19998, Map.of(), List.of(), "bridge"));
    RemediationSteps steps =
        new RemediationSteps(
            vertx.createSharedWorkerExecutor("capture-test"),
            new ContainerLookup(directory, TestDocker.client()),
            new VethResolver(
                commands, () -> Map.of("docker0", "bridge", "br-c12484a3e0f7", "backend"), proc));
    return new CapturePackets(steps, new PacketCapture(), results, config).handle(command, NOW);
  }

  private static List<RemediationResult> done(Future<List<RemediationResult>> future)
      throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<List<RemediationResult>> future) throws Exception {
    try {
      future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the command was not refused");
  }

  private static RemediationCommand.Builder capture(String inside) {
    return RemediationCommand.newBuilder()
        .setCommandId("cap-1")
        .setAction(RemediationAction.CAPTURE_PACKETS)
        .setHostId("host-a")
        .setContainerId(CONTAINER)
        .setRequestedBy("alice")
        .setCaptureInterface(inside);
  }

  private void link(String path, String target) throws IOException {
    Path link = proc.resolve(path);
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, Path.of(target));
  }
}
