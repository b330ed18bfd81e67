package io.porthole.controller.remediation;

import static io.porthole.controller.remediation.Refusal.Kind.CONFLICT;
import static io.porthole.controller.remediation.Refusal.Kind.INVALID;
import static io.porthole.controller.remediation.Refusal.Kind.NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.controller.TestKeys;
import io.porthole.controller.view.ContainersView;
import io.porthole.controller.view.HostsView;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RemediationPlannerTest {

  private static final Instant NOW = Instant.parse("2026-01-31T10:00:00Z");
  private final ContainersView containers = new ContainersView(100);
  private final HostsView hosts = new HostsView(100);
  private final CommandSigner signer = TestKeys.SIGNER;
  private RemediationPlanner planner;

  @BeforeEach
  void setUp() {
    planner =
        new RemediationPlanner(
            containers,
            hosts,
            signer,
            Duration.ofSeconds(60),
            Clock.fixed(NOW, ZoneOffset.UTC),
            () -> "cmd-1");
    container("h1", "aaaa1111", "web", "bridge", "running");
    container("h1", "bbbb2222", "hostnet", "host", "running");
    container("h1", "cccc3333", "stopped", "bridge", "exited");
    container("h1", "dddd4444", "dup", "bridge", "running");
    container("h2", "eeee5555", "dup", "bridge", "running");
    container("h2", "ffff6666", "sidecar", "container:eeee5555", "running");
    hosts.onHeartbeat(
        CollectorHeartbeat.newBuilder().setHostId("h1").setTime(Timestamps.of(NOW)).build());
  }

  private void container(String host, String id, String name, String networkMode, String state) {
    containers.onEvent(
        EventEnvelope.newBuilder()
            .setHostId(host)
            .setContainerId(id)
            .setTime(Timestamps.of(NOW.minusSeconds(60)))
            .setContainerEvent(
                ContainerEvent.newBuilder()
                    .setAction(ContainerAction.SNAPSHOT)
                    .setName(name)
                    .setState(state)
                    .setConfig(ContainerConfig.newBuilder().setNetworkMode(networkMode)))
            .build());
  }

  private static RemediationRequest request(String action, String container) {
    return new RemediationRequest(
        action, container, null, "because", null, null, null, null, null, null);
  }

  @Test
  void isolationOfAKnownContainerIsASignedCommandForItsHostWithAnExpiry() {
    RemediationCommand command =
        planned(
            planner.plan(
                new RemediationRequest(
                    "ISOLATE_NETWORK",
                    "web",
                    null,
                    " suspicious ",
                    300,
                    null,
                    null,
                    null,
                    true,
                    null),
                "operator"));
    assertThat(command.getCommandId()).isEqualTo("cmd-1");
    assertThat(command.getAction()).isEqualTo(RemediationAction.ISOLATE_NETWORK);
    assertThat(command.getHostId()).isEqualTo("h1");
    assertThat(command.getContainerId()).isEqualTo("aaaa1111");
    assertThat(command.getContainerName()).isEqualTo("web");
    assertThat(command.getReason()).isEqualTo("suspicious");
    assertThat(command.getRequestedBy()).isEqualTo("operator");
    assertThat(command.getTtlSeconds()).isEqualTo(300);
    assertThat(command.getDryRun()).isTrue();
    assertThat(Timestamps.toInstant(command.getIssuedAt())).isEqualTo(NOW);
    assertThat(Timestamps.toInstant(command.getExpiresAt())).isEqualTo(NOW.plusSeconds(60));
    assertThat(command.getSigningKeyId()).isEqualTo(signer.keyId());
    Duration maxLifetime = Duration.ofMinutes(10);
    Duration skew = Duration.ofSeconds(30);
    assertThat(
            signer.verifier().rejectionReason(command, "h1", NOW.plusSeconds(1), maxLifetime, skew))
        .isEmpty();
    assertThat(
            signer
                .verifier()
                .rejectionReason(command, "h1", NOW.plusSeconds(60), maxLifetime, skew))
        .isPresent();
  }

  @Test
  void theContainerIsResolvedByIdPrefixAndHostDisambiguates() {
    assertThat(
            planned(planner.plan(request("RESTORE_NETWORK", "aaaa"), "operator")).getContainerId())
        .isEqualTo("aaaa1111");
    RemediationRequest onH2 =
        new RemediationRequest(
            "TRACE_SYSCALLS", "dup", "h2", "r", null, 30, null, null, null, null);
    RemediationCommand trace = planned(planner.plan(onH2, "operator"));
    assertThat(trace.getHostId()).isEqualTo("h2");
    assertThat(trace.getContainerId()).isEqualTo("eeee5555");
    assertThat(trace.getDurationSeconds()).isEqualTo(30);
  }

  @Test
  void unknownContainerOrHostIs404AndAmbiguityIs409() {
    assertRefused(
        () -> planner.plan(request("ISOLATE_NETWORK", "nope"), "o"),
        NOT_FOUND,
        "CONTAINER_NOT_FOUND",
        "'nope'");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "ISOLATE_NETWORK", "web", "h9", "r", null, null, null, null, null, null),
                "o"),
        NOT_FOUND,
        "HOST_NOT_FOUND",
        "'h9'");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "ISOLATE_NETWORK", "web", "h2", "r", null, null, null, null, null, null),
                "o"),
        NOT_FOUND,
        "CONTAINER_NOT_FOUND",
        "on host 'h2'");
    assertRefused(
        () -> planner.plan(request("ISOLATE_NETWORK", "dup"), "o"),
        CONFLICT,
        "AMBIGUOUS_CONTAINER",
        "h1/dddd4444");
  }

  @Test
  void unsafeNetworkActionsAre409() {
    assertRefused(
        () -> planner.plan(request("ISOLATE_NETWORK", "hostnet"), "o"),
        CONFLICT,
        "UNSAFE_REMEDIATION",
        "'host'");
    assertRefused(
        () -> planner.plan(request("RESTORE_NETWORK", "hostnet"), "o"),
        CONFLICT,
        "UNSAFE_REMEDIATION",
        "'host'");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "CAPTURE_PACKETS", "hostnet", null, "r", null, 5, null, null, null, null),
                "o"),
        CONFLICT,
        "UNSAFE_REMEDIATION",
        "host");
    assertRefused(
        () -> planner.plan(request("ISOLATE_NETWORK", "sidecar"), "o"),
        CONFLICT,
        "UNSAFE_REMEDIATION",
        "another container");
    assertRefused(
        () -> planner.plan(request("ISOLATE_NETWORK", "stopped"), "o"),
        CONFLICT,
        "CONTAINER_NOT_RUNNING",
        "exited");
  }

  @Test
  void fieldsAreCheckedPerActionAndTheErrorNamesTheField() {
    assertRefused(
        () -> planner.plan(request(null, "web"), "o"),
        INVALID,
        "INVALID_REQUEST",
        "action: required");
    assertRefused(
        () -> planner.plan(request("REBOOT", "web"), "o"),
        INVALID,
        "INVALID_REQUEST",
        "action: 'REBOOT'");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "ISOLATE_NETWORK", "web", null, " ", null, null, null, null, null, null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "reason: required");
    assertRefused(
        () -> planner.plan(request("CAPTURE_PACKETS", "web"), "o"),
        INVALID,
        "INVALID_REQUEST",
        "durationSeconds: required");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "CAPTURE_PACKETS", "web", null, "r", null, 0, null, null, null, null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "durationSeconds: expected 1 to 3600");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "CAPTURE_PACKETS", "web", null, "r", 5, 5, null, null, null, null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "ttlSeconds: only for ISOLATE_NETWORK");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "ISOLATE_NETWORK", "web", null, "r", null, 5, null, null, null, null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "durationSeconds: only for");
    assertRefused(
        () -> planner.plan(request("ISOLATE_NETWORK", null), "o"),
        INVALID,
        "INVALID_REQUEST",
        "container: required");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "ISOLATE_NETWORK", "web", null, "r", null, null, "img", null, null, null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "image: not allowed");
  }

  @Test
  void aCaptureMayNameOneInterfaceOfTheContainerAndNoOtherActionMay() {
    RemediationCommand capture =
        planned(
            planner.plan(
                new RemediationRequest(
                    "CAPTURE_PACKETS", "web", null, "r", null, 5, null, null, null, "eth1"),
                "operator"));
    assertThat(capture.getCaptureInterface()).isEqualTo("eth1");
    assertThat(signer.verifier().signatureProblem(capture)).as("the interface is signed").isEmpty();
    assertThat(planned(planner.plan(capture("web", null), "o")).getCaptureInterface())
        .as("all of them when none is named")
        .isEmpty();

    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "ISOLATE_NETWORK", "web", null, "r", null, null, null, null, null, "eth1"),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "interface: only for CAPTURE_PACKETS, not ISOLATE_NETWORK");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "TRACE_SYSCALLS", "web", null, "r", null, 5, null, null, null, "eth0"),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "interface: only for CAPTURE_PACKETS, not TRACE_SYSCALLS");
    for (String bad : List.of("", "eth0:1", "../eth0", "a very long name", "eth 0", ".")) {
      assertRefused(
          () -> planner.plan(capture("web", bad), "o"),
          INVALID,
          "INVALID_REQUEST",
          "interface: expected the name of one of the container's interfaces");
    }
  }

  private static RemediationRequest capture(String container, String captureInterface) {
    return new RemediationRequest(
        "CAPTURE_PACKETS", container, null, "r", null, 5, null, null, null, captureInterface);
  }

  @Test
  void extractFileNeedsImageAndAbsolutePathAndTheOnlyHostOrAHostId() {
    RemediationRequest extract =
        new RemediationRequest(
            "EXTRACT_FILE", null, null, "r", null, null, "busybox", "/bin/busybox", null, null);
    // h1 and h2 are both known (h2 only through its containers): hostId is required.
    assertRefused(
        () -> planner.plan(extract, "o"),
        INVALID,
        "INVALID_REQUEST",
        "hostId: required for EXTRACT_FILE");
    RemediationCommand command =
        planned(
            planner.plan(
                new RemediationRequest(
                    "EXTRACT_FILE",
                    null,
                    "h2",
                    "r",
                    null,
                    null,
                    "busybox",
                    "/bin/busybox",
                    null,
                    null),
                "o"));
    assertThat(command.getHostId()).isEqualTo("h2");
    assertThat(command.getImage()).isEqualTo("busybox");
    assertThat(command.getPath()).isEqualTo("/bin/busybox");
    assertThat(command.getContainerId()).isEmpty();

    RemediationPlanner oneHost =
        new RemediationPlanner(
            new ContainersView(10),
            hosts,
            signer,
            Duration.ofSeconds(60),
            Clock.fixed(NOW, ZoneOffset.UTC),
            () -> "x");
    assertThat(planned(oneHost.plan(extract, "o")).getHostId()).isEqualTo("h1");

    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "EXTRACT_FILE",
                    null,
                    "h1",
                    "r",
                    null,
                    null,
                    "busybox",
                    "bin/busybox",
                    null,
                    null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "path: must be absolute");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "EXTRACT_FILE", "web", "h1", "r", null, null, "busybox", "/x", null, null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "container: not allowed for EXTRACT_FILE");
    assertRefused(
        () ->
            planner.plan(
                new RemediationRequest(
                    "EXTRACT_FILE", null, "h1", "r", null, null, null, "/x", null, null),
                "o"),
        INVALID,
        "INVALID_REQUEST",
        "image: required");
    RemediationPlanner noHosts =
        new RemediationPlanner(
            new ContainersView(10), new HostsView(10), signer, Duration.ofSeconds(60));
    assertRefused(
        () -> noHosts.plan(extract, "o"), NOT_FOUND, "HOST_NOT_FOUND", "no host is known");
  }

  private static RemediationCommand planned(PlanResult result) {
    assertThat(result).isInstanceOf(PlanResult.Planned.class);
    return ((PlanResult.Planned) result).command();
  }

  private static void assertRefused(
      Supplier<PlanResult> plan, Refusal.Kind kind, String code, String messagePart) {
    assertThat(plan.get())
        .isInstanceOfSatisfying(
            Refusal.class,
            refusal -> {
              assertThat(refusal.kind()).isEqualTo(kind);
              assertThat(refusal.code()).isEqualTo(code);
              assertThat(refusal.message()).contains(messagePart);
            });
  }
}
