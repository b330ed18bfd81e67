package io.porthole.collector.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.HostConfig;
import com.google.protobuf.Timestamp;
import io.porthole.collector.ContainerInfo;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.DeviceMapping;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.EventSource;
import io.porthole.proto.Mount;
import io.porthole.proto.NetworkAttachment;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Maps docker-java's events and inspect responses to Porthole's {@link ContainerEvent}s and to the
 * {@link ContainerInfo} of the container directory. Plain Java: no Vert.x, no Kafka, no I/O.
 */
public final class ContainerEventMapper {

  /**
   * Attributes of a container event's actor that the engine adds next to the container's labels.
   */
  private static final Set<String> NON_LABEL_ATTRIBUTES =
      Set.of("name", "image", "exitCode", "signal", "execID");

  private static final Map<String, ContainerAction> ACTIONS = new HashMap<>();

  static {
    for (ContainerAction action : ContainerAction.values()) {
      if (action != ContainerAction.UNRECOGNIZED) {
        ACTIONS.put(action.name().toLowerCase(Locale.ROOT), action);
      }
    }
    ACTIONS.remove("snapshot");
    ACTIONS.remove("other");
    ACTIONS.remove("container_action_unspecified");
  }

  private ContainerEventMapper() {}

  /**
   * The action of an engine action string: {@code die}, {@code exec_start: sh -c ...}, {@code
   * health_status: healthy}.
   */
  public static ContainerAction action(String rawAction) {
    if (rawAction == null || rawAction.isEmpty()) {
      return ContainerAction.OTHER;
    }
    int colon = rawAction.indexOf(':');
    String verb = colon < 0 ? rawAction : rawAction.substring(0, colon);
    return ACTIONS.getOrDefault(verb.trim().toLowerCase(Locale.ROOT), ContainerAction.OTHER);
  }

  /**
   * A lifecycle event; {@code inspect} is the container's inspect taken right after the event, or
   * null when it could not be taken (then {@code inspectError} says why).
   */
  public static ContainerEvent fromEvent(
      Event event, InspectContainerResponse inspect, String inspectError) {
    Map<String, String> attributes = attributes(event);
    ContainerEvent.Builder builder = builderFor(event);
    if (inspect != null) {
      fillFromInspect(builder, inspect);
    } else {
      builder.setName(nz(attributes.get("name")));
      builder.setImage(nz(attributes.getOrDefault("image", event.getFrom())));
      Map<String, String> labels = new LinkedHashMap<>();
      attributes.forEach(
          (key, value) -> {
            if (!NON_LABEL_ATTRIBUTES.contains(key) && value != null) {
              labels.put(key, value);
            }
          });
      builder.putAllLabels(LabelBounds.bounded(labels));
      if (inspectError != null) {
        builder.setInspectError(inspectError);
      }
    }
    Integer exitCode = parseInt(attributes.get("exitCode"));
    if (exitCode != null) {
      builder.setExitCode(exitCode);
    } else if (builder.getAction() == ContainerAction.DIE
        && inspect != null
        && !isRunning(inspect)) {
      builder.setExitCode(nz(inspect.getState().getExitCode()));
    }
    Integer signal = parseInt(attributes.get("signal"));
    if (signal != null) {
      builder.setSignal(signal);
    }
    return builder.build();
  }

  /**
   * An {@code oom} or {@code die} built without an inspect of its own: inspecting a container that
   * is dying waits until the engine has cleaned it up (0.1 to 2.5 s measured), which would delay
   * the die's envelope by as much. The configuration, labels, image id, networks and start time
   * come from {@code earlier}, the container's last inspect (create, start, update, ... or a
   * snapshot: only inspected actions change them); the state comes from the event itself: on a die,
   * state {@code exited}, pid 0, the exit code of the event's attributes and {@code oomKilled},
   * which the caller knows from an {@code oom} event since the container's last start (that is how
   * the engine sets State.OOMKilled). An oom carries {@code oom_killed} true. {@code
   * runStartUnknown}: the run's start event was published without its own inspect (see {@link
   * #withoutItsInspect}), so the earlier inspect is of the state before that run: the event is of a
   * run started at a time the engine did not say, and carries no StartedAt.
   */
  public static ContainerEvent fromEventAndEarlierInspect(
      Event event, InspectContainerResponse earlier, boolean oomKilled, boolean runStartUnknown) {
    ContainerEvent.Builder builder = fromEarlierInspect(event, earlier);
    if (runStartUnknown) {
      runningSinceUnknown(builder);
    }
    builder.setOomKilled(oomKilled);
    if (builder.getAction() == ContainerAction.DIE) {
      builder.setState("exited").setPid(0).setFinishedAt(time(event));
    }
    return builder.build();
  }

  /** The {@code inspect_error} of an event whose own inspect was not awaited. */
  public static final String INSPECT_NOT_AWAITED =
      "inspect not awaited: the container's die was queued behind it; configuration, labels and"
          + " networks from the container's inspect after an earlier event";

  /**
   * An event whose own inspect was not awaited because the container's die was queued behind it
   * (see {@link InspectCalls}): configuration, labels, image and networks from {@code earlier}, the
   * container's last inspect, and {@code inspect_error} {@link #INSPECT_NOT_AWAITED}. The state
   * follows from the event: a start or restart is {@code running} (pid unknown: 0, State.OOMKilled
   * cleared, no StartedAt: the event's time is not the engine's State.StartedAt), a pause {@code
   * paused}, an unpause {@code running}; the exit code and signal come from the event's attributes.
   * {@code unknownRun}, when not null: the container's current run began with such a start, so the
   * earlier inspect is of the state before it; the event carries no StartedAt nor FinishedAt, and
   * the container is {@code running} (pid 0) until that run's die, {@code exited} after it.
   */
  public static ContainerEvent withoutItsInspect(
      Event event, InspectContainerResponse earlier, RememberedContainers.UnknownRun unknownRun) {
    ContainerEvent.Builder builder = fromEarlierInspect(event, earlier);
    if (unknownRun != null) {
      runningSinceUnknown(builder);
      if (unknownRun == RememberedContainers.UnknownRun.ENDED) {
        builder.setState("exited");
      }
    }
    switch (builder.getAction()) {
      case START, RESTART -> runningSinceUnknown(builder);
      case PAUSE -> builder.setState("paused");
      case UNPAUSE -> builder.setState("running");
      default -> {
        // the earlier inspect's state (or the unknown run's): nothing in the event says otherwise
      }
    }
    return builder.setInspectError(INSPECT_NOT_AWAITED).build();
  }

  /**
   * An event from the container's earlier inspect and what the event itself says: its name (a
   * rename), exit code (a die) and signal (a kill).
   */
  private static ContainerEvent.Builder fromEarlierInspect(
      Event event, InspectContainerResponse earlier) {
    Map<String, String> attributes = attributes(event);
    ContainerEvent.Builder builder = builderFor(event);
    fillFromInspect(builder, earlier);
    String name = attributes.get("name");
    if (name != null && !name.isEmpty()) {
      builder.setName(name);
    }
    Integer exitCode = parseInt(attributes.get("exitCode"));
    if (exitCode != null) {
      builder.setExitCode(exitCode);
    }
    Integer signal = parseInt(attributes.get("signal"));
    if (signal != null) {
      builder.setSignal(signal);
    }
    return builder;
  }

  /** A run whose start the engine did not say: running, its pid not known, not OOM-killed yet. */
  private static void runningSinceUnknown(ContainerEvent.Builder builder) {
    builder.setState("running").setPid(0).setOomKilled(false).clearStartedAt().clearFinishedAt();
  }

  /**
   * The event's actor attributes (name, image, labels, exitCode, signal, ...), empty when it has
   * none.
   */
  private static Map<String, String> attributes(Event event) {
    return event.getActor() == null || event.getActor().getAttributes() == null
        ? Map.of()
        : event.getActor().getAttributes();
  }

  private static ContainerEvent.Builder builderFor(Event event) {
    return ContainerEvent.newBuilder()
        .setAction(action(event.getAction()))
        .setRawAction(nz(event.getAction()))
        .setSource(EventSource.ENGINE_EVENT);
  }

  /** The state of a container as the collector found it (start-up, reconcile). */
  public static ContainerEvent snapshot(InspectContainerResponse inspect) {
    ContainerEvent.Builder builder =
        ContainerEvent.newBuilder().setAction(ContainerAction.SNAPSHOT).setRawAction("snapshot");
    fillFromInspect(builder, inspect);
    String status = inspect.getState() == null ? "" : nz(inspect.getState().getStatus());
    if (status.equals("exited") || status.equals("dead")) {
      builder.setExitCode(nz(inspect.getState().getExitCode()));
    }
    return builder.build();
  }

  /**
   * Raw action of a death the engine emitted no event for, found when reconciling after a
   * reconnect.
   */
  public static final String RECONCILED_DIE = "die (reconciled)";

  /**
   * The death of a container the collector knew as running and found stopped when it reconciled
   * after a reconnect: with live-restore, a container that exits while the engine is down gets no
   * die event when the engine comes back.
   */
  public static ContainerEvent missedDeath(InspectContainerResponse inspect) {
    ContainerEvent.Builder builder =
        ContainerEvent.newBuilder()
            .setAction(ContainerAction.DIE)
            .setRawAction(RECONCILED_DIE)
            .setSource(EventSource.RECONCILED);
    fillFromInspect(builder, inspect);
    if (inspect.getState() != null) {
      builder.setExitCode(nz(inspect.getState().getExitCode()));
    }
    return builder.build();
  }

  /** The death of a container the collector knew as running and that no longer exists at all. */
  public static ContainerEvent missedDeath(ContainerInfo known, String why) {
    return ContainerEvent.newBuilder()
        .setAction(ContainerAction.DIE)
        .setRawAction(RECONCILED_DIE)
        .setSource(EventSource.RECONCILED)
        .setName(known.name())
        .setImage(known.image())
        .putAllLabels(known.labels())
        .setInspectError(why)
        .build();
  }

  /**
   * An event the collector missed while it was away, rebuilt from the container's inspect after it
   * came back (raw action {@code "<action> (reconciled)"}, source RECONCILED): a start, an oom or a
   * die (with State.OOMKilled and State.ExitCode).
   */
  public static ContainerEvent reconciled(
      ContainerAction action, InspectContainerResponse inspect) {
    ContainerEvent.Builder builder =
        ContainerEvent.newBuilder()
            .setAction(action)
            .setRawAction(action.name().toLowerCase(Locale.ROOT) + " (reconciled)")
            .setSource(EventSource.RECONCILED);
    fillFromInspect(builder, inspect);
    if (action == ContainerAction.DIE && inspect.getState() != null) {
      builder.setState("exited").setPid(0).setExitCode(nz(inspect.getState().getExitCode()));
    }
    if (action == ContainerAction.OOM) {
      builder.setOomKilled(true);
    }
    return builder.build();
  }

  /**
   * A die or destroy the collector missed while it was away, of a container that no longer exists:
   * only its id and what was known of its run remain.
   */
  public static ContainerEvent reconciledGone(
      ContainerAction action, Instant startedAt, String why) {
    ContainerEvent.Builder builder =
        ContainerEvent.newBuilder()
            .setAction(action)
            .setRawAction(action.name().toLowerCase(Locale.ROOT) + " (reconciled)")
            .setSource(EventSource.RECONCILED)
            .setInspectError(why);
    if (startedAt != null) {
      builder.setStartedAt(Timestamps.of(startedAt));
    }
    return builder.build();
  }

  /** When a stopped container stopped (State.FinishedAt), if known. */
  public static Instant finishedAt(InspectContainerResponse inspect) {
    return inspect.getState() == null ? null : instant(inspect.getState().getFinishedAt());
  }

  public static EventEnvelope envelope(
      String hostId, String containerId, Timestamp time, ContainerEvent event) {
    return EventEnvelope.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setHostId(hostId)
        .setContainerId(containerId)
        .setTime(time)
        .setCollectorTime(Timestamps.now())
        .setContainerEvent(event)
        .build();
  }

  /** The engine's time of an event (nanosecond precision where the engine gave it). */
  public static Timestamp time(Event event) {
    Long nanos = event.getTimeNano();
    if (nanos != null && nanos > 0) {
      return Timestamp.newBuilder()
          .setSeconds(nanos / 1_000_000_000L)
          .setNanos((int) (nanos % 1_000_000_000L))
          .build();
    }
    return Timestamp.newBuilder().setSeconds(event.getTime() == null ? 0 : event.getTime()).build();
  }

  public static boolean isRunning(InspectContainerResponse inspect) {
    return inspect.getState() != null && Boolean.TRUE.equals(inspect.getState().getRunning());
  }

  /** What the directory keeps of a container. */
  public static ContainerInfo info(InspectContainerResponse inspect) {
    List<String> addresses = new ArrayList<>(2);
    if (inspect.getNetworkSettings() != null
        && inspect.getNetworkSettings().getNetworks() != null) {
      for (ContainerNetwork network : inspect.getNetworkSettings().getNetworks().values()) {
        addIfPresent(addresses, network.getIpAddress());
        addIfPresent(addresses, network.getGlobalIPv6Address());
      }
    }
    HostConfig host = inspect.getHostConfig();
    return new ContainerInfo(
        inspect.getId(),
        name(inspect),
        inspect.getConfig() == null ? "" : nz(inspect.getConfig().getImage()),
        inspect.getState() == null ? 0 : nz(inspect.getState().getPid()),
        labels(inspect),
        addresses,
        host == null ? "" : nz(host.getNetworkMode()));
  }

  /** The isolation and resource settings of a container (HostConfig, mounts, user, command). */
  public static ContainerConfig config(InspectContainerResponse inspect) {
    ContainerConfig.Builder config = ContainerConfig.newBuilder();
    HostConfig host = inspect.getHostConfig();
    if (host != null) {
      config
          .setMemoryLimitBytes(nz(host.getMemory()))
          .setMemorySwapBytes(nz(host.getMemorySwap()))
          .setOomKillDisable(Boolean.TRUE.equals(host.getOomKillDisable()))
          .setOomScoreAdj(nz(host.getOomScoreAdj()))
          .setNetworkMode(nz(host.getNetworkMode()))
          .setPidMode(nz(host.getPidMode()))
          .setIpcMode(nz(host.getIpcMode()))
          .setUtsMode(nz(host.getUtSMode()))
          .setPrivileged(Boolean.TRUE.equals(host.getPrivileged()))
          .setUsernsMode(nz(host.getUsernsMode()))
          .setCgroupnsMode(nz(host.getCgroupnsMode()))
          .setReadonlyRootfs(Boolean.TRUE.equals(host.getReadonlyRootfs()))
          .setPidsLimit(Math.max(0, nz(host.getPidsLimit())))
          .setNanoCpus(nz(host.getNanoCPUs()));
      addCapabilities(config, host.getCapAdd(), true);
      addCapabilities(config, host.getCapDrop(), false);
      if (host.getDevices() != null) {
        for (Device device : host.getDevices()) {
          config.addDevices(
              DeviceMapping.newBuilder()
                  .setPathOnHost(nz(device.getPathOnHost()))
                  .setPathInContainer(nz(device.getPathInContainer()))
                  .setPermissions(nz(device.getcGroupPermissions())));
        }
      }
      if (host.getSecurityOpts() != null) {
        config.addAllSecurityOpt(host.getSecurityOpts());
      }
      if (host.getTmpFs() != null) {
        host.getTmpFs()
            .forEach(
                (path, options) ->
                    config.addMounts(
                        Mount.newBuilder()
                            .setType("tmpfs")
                            .setDestination(path)
                            .setReadOnly(List.of(nz(options).split(",")).contains("ro"))));
      }
    }
    if (inspect.getMounts() != null) {
      for (InspectContainerResponse.Mount mount : inspect.getMounts()) {
        config.addMounts(mount(mount));
      }
    }
    if (inspect.getConfig() != null) {
      config.setUser(nz(inspect.getConfig().getUser()));
    }
    if (inspect.getPath() != null && !inspect.getPath().isEmpty()) {
      config.addCommand(inspect.getPath());
    }
    if (inspect.getArgs() != null) {
      config.addAllCommand(List.of(inspect.getArgs()));
    }
    return config.build();
  }

  private static void fillFromInspect(
      ContainerEvent.Builder builder, InspectContainerResponse inspect) {
    builder
        .setName(name(inspect))
        .setImage(inspect.getConfig() == null ? "" : nz(inspect.getConfig().getImage()))
        .setImageId(nz(inspect.getImageId()))
        .putAllLabels(labels(inspect))
        .setRestartCount(nz(inspect.getRestartCount()))
        .setConfig(config(inspect));
    InspectContainerResponse.ContainerState state = inspect.getState();
    if (state != null) {
      builder
          .setOomKilled(Boolean.TRUE.equals(state.getOOMKilled()))
          .setPid(nz(state.getPid()))
          .setState(nz(state.getStatus()));
      Instant startedAt = instant(state.getStartedAt());
      if (startedAt != null) {
        builder.setStartedAt(Timestamps.of(startedAt));
      }
      Instant finishedAt = instant(state.getFinishedAt());
      if (finishedAt != null
          && !Boolean.TRUE.equals(state.getRunning())
          && (startedAt == null || !finishedAt.isBefore(startedAt))) {
        builder.setFinishedAt(Timestamps.of(finishedAt));
      }
    }
    if (inspect.getNetworkSettings() != null
        && inspect.getNetworkSettings().getNetworks() != null) {
      inspect
          .getNetworkSettings()
          .getNetworks()
          .forEach(
              (name, network) ->
                  builder.addNetworks(
                      NetworkAttachment.newBuilder()
                          .setNetwork(name)
                          .setIpv4Address(nz(network.getIpAddress()))
                          .setIpv6Address(nz(network.getGlobalIPv6Address()))
                          .setMacAddress(nz(network.getMacAddress()))
                          .setGateway(nz(network.getGateway()))));
    }
  }

  /** docker-java's inspect model has no mount type or propagation: a named mount is a volume. */
  private static Mount mount(InspectContainerResponse.Mount mount) {
    boolean volume = mount.getName() != null && !mount.getName().isEmpty();
    return Mount.newBuilder()
        .setType(volume ? "volume" : "bind")
        .setSource(volume ? mount.getName() : nz(mount.getSource()))
        .setDestination(mount.getDestination() == null ? "" : nz(mount.getDestination().getPath()))
        .setReadOnly(Boolean.FALSE.equals(mount.getRW()))
        .build();
  }

  private static void addCapabilities(
      ContainerConfig.Builder config, Capability[] capabilities, boolean add) {
    if (capabilities == null) {
      return;
    }
    for (Capability capability : capabilities) {
      if (capability != null) {
        if (add) {
          config.addCapAdd(capability.name());
        } else {
          config.addCapDrop(capability.name());
        }
      }
    }
  }

  private static String name(InspectContainerResponse inspect) {
    String name = nz(inspect.getName());
    return name.startsWith("/") ? name.substring(1) : name;
  }

  private static Map<String, String> labels(InspectContainerResponse inspect) {
    if (inspect.getConfig() == null || inspect.getConfig().getLabels() == null) {
      return Map.of();
    }
    return LabelBounds.bounded(inspect.getConfig().getLabels());
  }

  /**
   * An inspect time; null for the engine's "never" (0001-01-01T00:00:00Z) or an unreadable value.
   */
  static Instant instant(String text) {
    if (text == null || text.isEmpty() || text.startsWith("0001-")) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Integer parseInt(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Integer.valueOf(text);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static void addIfPresent(List<String> addresses, String address) {
    if (address != null && !address.isEmpty()) {
      addresses.add(address);
    }
  }

  private static String nz(String value) {
    return value == null ? "" : value;
  }

  private static int nz(Integer value) {
    return value == null ? 0 : value;
  }

  private static long nz(Long value) {
    return value == null ? 0 : value;
  }
}
