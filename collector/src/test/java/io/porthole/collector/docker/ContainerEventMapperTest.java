package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.core.DockerClientConfig;
import io.porthole.collector.ContainerInfo;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.DeviceMapping;
import io.porthole.proto.Mount;
import io.porthole.wire.Timestamps;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Fixtures recorded on this machine (Docker 20.10.24, API 1.41) with curl on the engine's socket:
 * inspect of an OOM-killed container, of a container sharing the host's network and pid namespaces
 * with / mounted read-only, of a bridge container with capabilities, a device, security options and
 * limits; and the events of their lives (create, start, oom, die, pause, unpause, kill, stop,
 * restart, destroy).
 */
class ContainerEventMapperTest {

  private static final ObjectMapper JSON = DockerClientConfig.getDefaultObjectMapper();
  private static final String OOM_ID =
      "0dfeb54f343954cee62ec3f2b56099cf4db42dfdf0b7f3d59ad566b4bbfbf334";
  private static final String BRIDGE_ID =
      "d7e6a427f3b057fd7e83cb797011461478bd158bbb800a4f6710c43160676605";

  static InspectContainerResponse inspect(String fixture) throws IOException {
    try (InputStream in =
        ContainerEventMapperTest.class.getResourceAsStream("/docker/" + fixture)) {
      return JSON.readValue(in, InspectContainerResponse.class);
    }
  }

  static List<Event> events() throws IOException {
    List<Event> events = new ArrayList<>();
    try (InputStream in =
        ContainerEventMapperTest.class.getResourceAsStream("/docker/events-lifecycle.jsonl")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          events.add(JSON.readValue(line, Event.class));
        }
      }
    }
    return events;
  }

  static Event event(String containerId, String action) throws IOException {
    return events().stream()
        .filter(e -> containerId.equals(e.getId()) && action.equals(e.getAction()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void oomKilledContainerDiesWithExitCode137AndOomKilledAndItsMemoryLimit() throws IOException {
    ContainerEvent die =
        ContainerEventMapper.fromEvent(
            event(OOM_ID, "die"), inspect("inspect-oom-exited.json"), null);

    assertThat(die.getAction()).isEqualTo(ContainerAction.DIE);
    assertThat(die.getExitCode()).isEqualTo(137);
    assertThat(die.getOomKilled()).isTrue();
    assertThat(die.getName()).isEqualTo("porthole-it-fx-oom");
    assertThat(die.getImage()).isEqualTo("porthole/busybox:test");
    assertThat(die.getImageId()).startsWith("sha256:");
    assertThat(die.getLabelsMap()).containsEntry("app", "oomtest");
    assertThat(die.getState()).isEqualTo("exited");
    assertThat(die.getConfig().getMemoryLimitBytes()).isEqualTo(16L << 20);
    assertThat(die.getConfig().getMemorySwapBytes()).isEqualTo(16L << 20);
    assertThat(die.getConfig().getCommandList())
        .containsExactly("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
    assertThat(die.hasStartedAt()).isTrue();
  }

  @Test
  void aStartNotAwaitedIsRunningWithTheEarlierConfigurationAndSaysSo() throws IOException {
    Event start = event(OOM_ID, "start");
    // the earlier inspect is of the container's previous run: exited, OOM-killed
    ContainerEvent built =
        ContainerEventMapper.withoutItsInspect(start, inspect("inspect-oom-exited.json"), null);

    assertThat(built.getAction()).isEqualTo(ContainerAction.START);
    assertThat(built.getRawAction()).isEqualTo("start");
    assertThat(built.getState()).isEqualTo("running");
    assertThat(built.getPid()).isZero();
    assertThat(built.getOomKilled()).isFalse();
    // neither the previous run's StartedAt nor the event's time: not the engine's State.StartedAt
    assertThat(built.hasStartedAt()).isFalse();
    assertThat(built.hasFinishedAt()).isFalse();
    assertThat(built.hasExitCode()).isFalse();
    assertThat(built.getName()).isEqualTo("porthole-it-fx-oom");
    assertThat(built.getLabelsMap()).containsEntry("app", "oomtest");
    assertThat(built.getConfig().getMemoryLimitBytes()).isEqualTo(16L << 20);
    assertThat(built.getInspectError()).isEqualTo(ContainerEventMapper.INSPECT_NOT_AWAITED);
  }

  @Test
  void aKillNotAwaitedKeepsTheEarlierStateAndCarriesItsSignal() throws IOException {
    Event kill = events().stream().filter(e -> "kill".equals(e.getAction())).findFirst().get();

    ContainerEvent built =
        ContainerEventMapper.withoutItsInspect(kill, inspect("inspect-bridge-running.json"), null);

    assertThat(built.getAction()).isEqualTo(ContainerAction.KILL);
    assertThat(built.getState()).isEqualTo("running");
    assertThat(built.getSignal()).isEqualTo(15);
    assertThat(built.getInspectError()).isEqualTo(ContainerEventMapper.INSPECT_NOT_AWAITED);
  }

  @Test
  void aKillNotAwaitedInARunWhoseStartWasNotAwaitedCarriesNoStartedAtOfThePreviousRun()
      throws IOException {
    Event kill = events().stream().filter(e -> "kill".equals(e.getAction())).findFirst().get();

    // the earlier inspect is of the container's previous run: exited, with that run's StartedAt
    ContainerEvent built =
        ContainerEventMapper.withoutItsInspect(
            kill, inspect("inspect-oom-exited.json"), RememberedContainers.UnknownRun.RUNNING);

    assertThat(built.hasStartedAt()).isFalse();
    assertThat(built.hasFinishedAt()).isFalse();
    assertThat(built.getState()).isEqualTo("running");
    assertThat(built.getSignal()).isEqualTo(15);
    assertThat(built.getInspectError()).isEqualTo(ContainerEventMapper.INSPECT_NOT_AWAITED);
  }

  @Test
  void aStopNotAwaitedAfterTheDieOfARunWhoseStartWasNotAwaitedIsExitedWithoutItsStartedAt()
      throws IOException {
    Event stop = events().stream().filter(e -> "stop".equals(e.getAction())).findFirst().get();

    // the earlier inspect is of the run before the one that started without it, and then died
    ContainerEvent built =
        ContainerEventMapper.withoutItsInspect(
            stop, inspect("inspect-bridge-running.json"), RememberedContainers.UnknownRun.ENDED);

    assertThat(built.getState()).isEqualTo("exited");
    assertThat(built.getPid()).isZero();
    assertThat(built.hasStartedAt()).isFalse();
    assertThat(built.getInspectError()).isEqualTo(ContainerEventMapper.INSPECT_NOT_AWAITED);
  }

  @Test
  void hostNamespacesAndTheHostRootMountedReadOnlyAreInTheSnapshot() throws IOException {
    ContainerEvent snapshot = ContainerEventMapper.snapshot(inspect("inspect-hostns-running.json"));

    assertThat(snapshot.getAction()).isEqualTo(ContainerAction.SNAPSHOT);
    assertThat(snapshot.hasExitCode()).isFalse();
    assertThat(snapshot.getState()).isEqualTo("running");
    assertThat(snapshot.getPid()).isPositive();
    ContainerConfig config = snapshot.getConfig();
    assertThat(config.getNetworkMode()).isEqualTo("host");
    assertThat(config.getPidMode()).isEqualTo("host");
    assertThat(config.getMountsList())
        .containsExactly(
            Mount.newBuilder()
                .setType("bind")
                .setSource("/")
                .setDestination("/host")
                .setReadOnly(true)
                .build());
    assertThat(snapshot.getLabelsMap()).containsEntry("porthole.trace", "syscalls");
  }

  @Test
  void capabilitiesDevicesSecurityOptionsAndLimitsAreInTheConfiguration() throws IOException {
    ContainerConfig config = ContainerEventMapper.config(inspect("inspect-bridge-running.json"));

    assertThat(config.getCapAddList()).containsExactly("NET_ADMIN");
    assertThat(config.getCapDropList()).containsExactly("MKNOD");
    assertThat(config.getDevicesList())
        .containsExactly(
            DeviceMapping.newBuilder()
                .setPathOnHost("/dev/null")
                .setPathInContainer("/dev/mynull")
                .setPermissions("rwm")
                .build());
    assertThat(config.getSecurityOptList()).containsExactly("no-new-privileges");
    assertThat(config.getOomKillDisable()).isTrue();
    assertThat(config.getMemoryLimitBytes()).isZero();
    assertThat(config.getOomScoreAdj()).isEqualTo(500);
    assertThat(config.getPidsLimit()).isEqualTo(64);
    assertThat(config.getNanoCpus()).isEqualTo(500_000_000L);
    assertThat(config.getReadonlyRootfs()).isTrue();
    assertThat(config.getUser()).isEqualTo("1000");
    assertThat(config.getNetworkMode()).isEqualTo("default");
    assertThat(config.getIpcMode()).isEqualTo("private");
    assertThat(config.getPrivileged()).isFalse();
    assertThat(config.getMountsList())
        .extracting(Mount::getType, Mount::getSource, Mount::getDestination, Mount::getReadOnly)
        .containsExactlyInAnyOrder(
            Tuple.tuple("tmpfs", "", "/run", false),
            Tuple.tuple("volume", "porthole-fx-vol", "/data", false));
  }

  @Test
  void directoryInfoHasPidLabelsAddressesAndNetworkMode() throws IOException {
    ContainerInfo bridge = ContainerEventMapper.info(inspect("inspect-bridge-running.json"));
    assertThat(bridge.id()).isEqualTo(BRIDGE_ID);
    assertThat(bridge.name()).isEqualTo("porthole-it-fx-bridge");
    assertThat(bridge.pid()).isEqualTo(20720);
    assertThat(bridge.addresses()).containsExactly("172.17.0.3");
    assertThat(bridge.labels()).containsEntry("tier", "web");
    assertThat(bridge.sharesHostNetwork()).isFalse();

    ContainerInfo hostNet = ContainerEventMapper.info(inspect("inspect-hostns-running.json"));
    assertThat(hostNet.sharesHostNetwork()).isTrue();
    assertThat(hostNet.addresses()).isEmpty();
  }

  @Test
  void everyRecordedContainerActionMapsToItsOwnValue() throws IOException {
    List<String> seen = new ArrayList<>();
    for (Event event : events()) {
      if (!"container".equals(event.getType().getValue())) {
        continue;
      }
      ContainerAction action = ContainerEventMapper.action(event.getAction());
      assertThat(action.name().toLowerCase()).isEqualTo(event.getAction());
      seen.add(event.getAction());
    }
    assertThat(seen)
        .contains(
            "create", "start", "oom", "die", "pause", "unpause", "kill", "stop", "restart",
            "destroy", "attach");
  }

  @Test
  void actionsWithDetailsAndUnknownActions() {
    assertThat(ContainerEventMapper.action("exec_start: sh -c ls"))
        .isEqualTo(ContainerAction.EXEC_START);
    assertThat(ContainerEventMapper.action("health_status: unhealthy"))
        .isEqualTo(ContainerAction.HEALTH_STATUS);
    assertThat(ContainerEventMapper.action("exec_create: sh")).isEqualTo(ContainerAction.OTHER);
    assertThat(ContainerEventMapper.action("")).isEqualTo(ContainerAction.OTHER);
    assertThat(ContainerEventMapper.action("snapshot")).isEqualTo(ContainerAction.OTHER);
  }

  @Test
  void withoutInspectTheEventsAttributesGiveNameImageLabelsExitCodeAndSignal() throws IOException {
    ContainerEvent destroy =
        ContainerEventMapper.fromEvent(
            event(OOM_ID, "destroy"), null, "inspect: No such container");
    assertThat(destroy.getAction()).isEqualTo(ContainerAction.DESTROY);
    assertThat(destroy.getName()).isEqualTo("porthole-it-fx-oom");
    assertThat(destroy.getImage()).isEqualTo("porthole/busybox:test");
    assertThat(destroy.getLabelsMap()).containsExactly(Map.entry("app", "oomtest"));
    assertThat(destroy.hasConfig()).isFalse();
    assertThat(destroy.getInspectError()).isEqualTo("inspect: No such container");

    ContainerEvent die = ContainerEventMapper.fromEvent(event(OOM_ID, "die"), null, "gone");
    assertThat(die.getExitCode()).isEqualTo(137);

    ContainerEvent kill = ContainerEventMapper.fromEvent(event(BRIDGE_ID, "kill"), null, "gone");
    assertThat(kill.getSignal()).isEqualTo(15);
    assertThat(kill.getLabelsMap()).containsOnlyKeys("tier");
  }

  @Test
  void eventTimeKeepsTheEnginesNanoseconds() throws IOException {
    Event create = event(OOM_ID, "create");
    var time = ContainerEventMapper.time(create);
    assertThat(Timestamps.toEpochNanos(time)).isEqualTo(create.getTimeNano());
  }

  @Test
  void capabilitiesThatDockerJavaDoesNotKnowDoNotBreakInspect() throws IOException {
    String json = "{\"Id\":\"x\",\"HostConfig\":{\"CapAdd\":[\"CAP_BPF\",\"CAP_SYS_ADMIN\"]}}";
    InspectContainerResponse inspect = JSON.readValue(json, InspectContainerResponse.class);
    assertThat(ContainerEventMapper.config(inspect).getCapAddList()).contains("SYS_ADMIN");
  }

  @Test
  void aDeathFoundAtReconcileIsADieWithTheExitStateAndItsFinishTime() throws IOException {
    InspectContainerResponse exited = inspect("inspect-oom-exited.json");
    ContainerEvent die = ContainerEventMapper.missedDeath(exited);
    assertThat(die.getAction()).isEqualTo(ContainerAction.DIE);
    assertThat(die.getRawAction()).isEqualTo("die (reconciled)");
    assertThat(die.getExitCode()).isEqualTo(137);
    assertThat(die.getOomKilled()).isTrue();
    assertThat(ContainerEventMapper.finishedAt(exited)).isNotNull();

    ContainerEvent gone =
        ContainerEventMapper.missedDeath(
            ContainerEventMapper.info(inspect("inspect-bridge-running.json")),
            "inspect: no such container");
    assertThat(gone.getAction()).isEqualTo(ContainerAction.DIE);
    assertThat(gone.getName()).isEqualTo("porthole-it-fx-bridge");
    assertThat(gone.getInspectError()).isEqualTo("inspect: no such container");
  }
}
