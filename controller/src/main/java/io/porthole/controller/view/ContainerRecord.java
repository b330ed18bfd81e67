package io.porthole.controller.view;

import io.porthole.proto.ContainerConfig;
import io.porthole.proto.NetworkAttachment;
import io.porthole.wire.NetworkMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the controller knows of one container on one host: the latest lifecycle state, its addresses
 * and configuration snapshot, and whether a remediation isolated it.
 *
 * @param startedAt time of the newest start or restart event (new veths), or null
 * @param config the newest configuration snapshot, or null when no event carried one yet
 * @param isolation the newest isolate/restore; an isolation holds across restarts (the collector
 *     re-isolates a container that starts again) until a restore or its restore time
 */
public record ContainerRecord(
    String hostId,
    String containerId,
    String name,
    String image,
    String state,
    String lastAction,
    Instant updatedAt,
    Instant startedAt,
    List<NetworkAttachment> networks,
    ContainerConfig config,
    Isolation isolation) {

  /**
   * The newest isolate or restore that succeeded: the host interface(s) acted on, when, (for an
   * isolation with a TTL) when the collector restores it by itself, and when the collector last
   * re-isolated the container after it started again under this isolation (a follow-up result of
   * the same command), or null.
   *
   * @param enforced false while the collector says it could not re-isolate the container after it
   *     started again (new veths up): the isolation still holds, but the container is connected
   *     until a retry succeeds (a later SUCCEEDED follow-up makes it true again)
   * @param notEnforcedReason the collector's follow-up saying why, or null while enforced
   * @param notEnforcedSince when the collector first said so, or null while enforced
   */
  public record Isolation(
      boolean isolated,
      String hostInterface,
      Instant since,
      Instant restoreAt,
      String commandId,
      Instant reisolatedAt,
      boolean enforced,
      String notEnforcedReason,
      Instant notEnforcedSince) {

    /** An isolate or restore as its final result says, enforced. */
    public Isolation(
        boolean isolated,
        String hostInterface,
        Instant since,
        Instant restoreAt,
        String commandId) {
      this(isolated, hostInterface, since, restoreAt, commandId, null, true, null, null);
    }
  }

  public ContainerRecord {
    networks = List.copyOf(networks);
  }

  public boolean isolated(Instant now) {
    return isolation != null
        && isolation.isolated()
        && (isolation.restoreAt() == null || now.isBefore(isolation.restoreAt()));
  }

  public String networkMode() {
    return config == null ? "" : config.getNetworkMode();
  }

  public boolean running() {
    return "running".equals(state);
  }

  /** The configuration choices that weaken isolation, as short names for people and filters. */
  public List<String> flags() {
    List<String> flags = new ArrayList<>();
    if (config == null) {
      return flags;
    }
    if (NetworkMode.of(config.getNetworkMode()).isHost()) {
      flags.add("HOST_NETWORK");
    }
    if ("host".equals(config.getPidMode())) {
      flags.add("HOST_PID");
    }
    if ("host".equals(config.getIpcMode())) {
      flags.add("HOST_IPC");
    }
    if ("host".equals(config.getUtsMode())) {
      flags.add("HOST_UTS");
    }
    if (config.getPrivileged()) {
      flags.add("PRIVILEGED");
    }
    if (config.getMountsList().stream().anyMatch(m -> "/".equals(m.getSource()))) {
      flags.add("HOST_ROOT_MOUNTED");
    }
    if (config.getCapAddCount() > 0) {
      flags.add("CAPABILITIES_ADDED");
    }
    if (config.getDevicesCount() > 0) {
      flags.add("DEVICES");
    }
    if (config.getOomKillDisable()) {
      flags.add("OOM_KILL_DISABLED");
    }
    if (config.getMemoryLimitBytes() == 0) {
      flags.add("NO_MEMORY_LIMIT");
    }
    return flags;
  }

  ContainerRecord withIsolation(Isolation newIsolation) {
    return new ContainerRecord(
        hostId,
        containerId,
        name,
        image,
        state,
        lastAction,
        updatedAt,
        startedAt,
        networks,
        config,
        newIsolation);
  }
}
