package io.porthole.controller.remediation;

import io.porthole.controller.view.ContainerRecord;
import io.porthole.controller.view.ContainersView;
import io.porthole.controller.view.HostsView;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.NetworkMode;
import io.porthole.wire.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Turns an operator's request into a signed command for the collector of the target's host: checks
 * what the request means (fields per action), resolves the container and host against the views,
 * refuses what cannot be done safely, and signs the command with an expiry.
 */
public final class RemediationPlanner {

  public static final int MAX_REASON_LENGTH = 1000;
  public static final int MAX_TTL_SECONDS = 86_400;
  public static final int MAX_DURATION_SECONDS = 3_600;
  public static final int MAX_PATH_LENGTH = 4096;

  /** Linux interface names are at most 15 bytes (IFNAMSIZ 16 with the NUL). */
  public static final int MAX_INTERFACE_LENGTH = 15;

  private final ContainersView containers;
  private final HostsView hosts;
  private final CommandSigner signer;
  private final Duration commandTtl;
  private final Clock clock;
  private final Supplier<String> ids;

  public RemediationPlanner(
      ContainersView containers,
      HostsView hosts,
      CommandSigner signer,
      Duration commandTtl,
      Clock clock,
      Supplier<String> ids) {
    this.containers = Objects.requireNonNull(containers, "containers");
    this.hosts = Objects.requireNonNull(hosts, "hosts");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.commandTtl = Objects.requireNonNull(commandTtl, "commandTtl");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ids = Objects.requireNonNull(ids, "ids");
  }

  public RemediationPlanner(
      ContainersView containers, HostsView hosts, CommandSigner signer, Duration commandTtl) {
    this(
        containers,
        hosts,
        signer,
        commandTtl,
        Clock.systemUTC(),
        () -> UUID.randomUUID().toString());
  }

  /**
   * The signed command for the request, or why it is refused: {@code INVALID} naming the field,
   * {@code NOT_FOUND} for an unknown container or host, {@code CONFLICT} for an ambiguous container
   * or a remediation that cannot be done safely.
   *
   * @param requestedBy who asked (audited in the command)
   */
  public PlanResult plan(RemediationRequest request, String requestedBy) {
    try {
      return new PlanResult.Planned(command(request, requestedBy));
    } catch (Refused refused) {
      return refused.refusal;
    }
  }

  private RemediationCommand command(RemediationRequest request, String requestedBy) {
    RemediationAction action = action(request.action());
    String reason = reason(request.reason());
    checkParameters(action, request);
    Instant now = clock.instant();
    RemediationCommand.Builder command =
        RemediationCommand.newBuilder()
            .setCommandId(ids.get())
            .setAction(action)
            .setReason(reason)
            .setRequestedBy(requestedBy)
            .setIssuedAt(Timestamps.of(now))
            .setExpiresAt(Timestamps.of(now.plus(commandTtl)))
            .setDryRun(Boolean.TRUE.equals(request.dryRun()));
    if (action == RemediationAction.EXTRACT_FILE) {
      command
          .setHostId(extractionHost(request.hostId()))
          .setImage(request.image())
          .setPath(request.path());
    } else {
      ContainerRecord target = resolveContainer(request.container(), request.hostId());
      checkSafe(action, target);
      command
          .setHostId(target.hostId())
          .setContainerId(target.containerId())
          .setContainerName(target.name());
    }
    if (request.ttlSeconds() != null) {
      command.setTtlSeconds(request.ttlSeconds());
    }
    if (request.durationSeconds() != null) {
      command.setDurationSeconds(request.durationSeconds());
    }
    if (request.captureInterface() != null) {
      command.setCaptureInterface(request.captureInterface());
    }
    return signer.sign(command.build());
  }

  private static RemediationAction action(String text) {
    if (text == null || text.isBlank()) {
      throw refuse(Refusal.invalid("action", "required; one of " + actionNames()));
    }
    try {
      RemediationAction action = RemediationAction.valueOf(text);
      if (action != RemediationAction.REMEDIATION_ACTION_UNSPECIFIED
          && action != RemediationAction.UNRECOGNIZED) {
        return action;
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error naming the accepted values
    }
    throw refuse(Refusal.invalid("action", "'" + text + "' is not one of " + actionNames()));
  }

  private static String reason(String reason) {
    if (reason == null || reason.isBlank()) {
      throw refuse(Refusal.invalid("reason", "required: say why (it is audited with the command)"));
    }
    if (reason.length() > MAX_REASON_LENGTH) {
      throw refuse(Refusal.invalid("reason", "at most " + MAX_REASON_LENGTH + " characters"));
    }
    return reason.strip();
  }

  private static void checkParameters(RemediationAction action, RemediationRequest request) {
    boolean extract = action == RemediationAction.EXTRACT_FILE;
    boolean timed =
        action == RemediationAction.CAPTURE_PACKETS || action == RemediationAction.TRACE_SYSCALLS;
    if (extract) {
      notAllowed("container", request.container(), action);
      requireText("image", request.image(), action);
      requireText("path", request.path(), action);
      if (!request.path().startsWith("/")) {
        throw refuse(
            Refusal.invalid(
                "path", "must be absolute (start with /) but was '" + request.path() + "'"));
      }
      if (request.path().length() > MAX_PATH_LENGTH || request.path().indexOf('\0') >= 0) {
        throw refuse(Refusal.invalid("path", "at most " + MAX_PATH_LENGTH + " characters, no NUL"));
      }
    } else {
      requireText("container", request.container(), action);
      notAllowed("image", request.image(), action);
      notAllowed("path", request.path(), action);
    }
    if (request.ttlSeconds() != null) {
      if (action != RemediationAction.ISOLATE_NETWORK) {
        throw refuse(Refusal.invalid("ttlSeconds", "only for ISOLATE_NETWORK, not " + action));
      }
      inRange("ttlSeconds", request.ttlSeconds(), 0, MAX_TTL_SECONDS);
    }
    if (timed) {
      if (request.durationSeconds() == null) {
        throw refuse(Refusal.invalid("durationSeconds", "required for " + action));
      }
      inRange("durationSeconds", request.durationSeconds(), 1, MAX_DURATION_SECONDS);
    } else if (request.durationSeconds() != null) {
      throw refuse(
          Refusal.invalid(
              "durationSeconds", "only for CAPTURE_PACKETS and TRACE_SYSCALLS, not " + action));
    }
    if (request.captureInterface() != null) {
      if (action != RemediationAction.CAPTURE_PACKETS) {
        throw refuse(Refusal.invalid("interface", "only for CAPTURE_PACKETS, not " + action));
      }
      checkInterfaceName(request.captureInterface());
    }
    if (request.hostId() != null && request.hostId().isBlank()) {
      throw refuse(Refusal.invalid("hostId", "must not be blank when given"));
    }
  }

  // What the kernel accepts as an interface name (dev_valid_name): 1 to 15 bytes, not . or .., no
  // slash, colon or whitespace.
  private static void checkInterfaceName(String name) {
    boolean valid =
        !name.isEmpty()
            && name.length() <= MAX_INTERFACE_LENGTH
            && !name.equals(".")
            && !name.equals("..")
            && name.chars().allMatch(c -> c > ' ' && c < 127 && c != '/' && c != ':');
    if (!valid) {
      throw refuse(
          Refusal.invalid(
              "interface",
              "expected the name of one of the container's interfaces as seen inside it, such as"
                  + " eth1 (1 to "
                  + MAX_INTERFACE_LENGTH
                  + " printable ASCII characters, no /, : or space) but was '"
                  + name
                  + "'"));
    }
  }

  private String extractionHost(String hostId) {
    if (hostId != null) {
      if (!hostKnown(hostId)) {
        throw refuse(Refusal.notFound("HOST_NOT_FOUND", "no host '" + hostId + "' is known"));
      }
      return hostId;
    }
    Set<String> known = knownHosts();
    if (known.size() == 1) {
      return known.iterator().next();
    }
    if (known.isEmpty()) {
      throw refuse(
          Refusal.notFound(
              "HOST_NOT_FOUND", "no host is known yet; give hostId once its collector reports"));
    }
    throw refuse(
        Refusal.invalid(
            "hostId", "required for EXTRACT_FILE: " + known.size() + " hosts are known " + known));
  }

  private ContainerRecord resolveContainer(String nameOrId, String hostId) {
    if (hostId != null && !hostKnown(hostId)) {
      throw refuse(Refusal.notFound("HOST_NOT_FOUND", "no host '" + hostId + "' is known"));
    }
    List<ContainerRecord> matches = containers.resolve(nameOrId, hostId);
    if (matches.isEmpty()) {
      throw refuse(
          Refusal.notFound(
              "CONTAINER_NOT_FOUND",
              "no container '"
                  + nameOrId
                  + "' is known"
                  + (hostId == null ? "" : " on host '" + hostId + "'")));
    }
    if (matches.size() > 1) {
      String candidates =
          matches.stream()
              .map(
                  c ->
                      c.hostId()
                          + "/"
                          + c.containerId().substring(0, Math.min(12, c.containerId().length()))
                          + " ("
                          + c.name()
                          + ")")
              .collect(Collectors.joining(", "));
      throw refuse(
          Refusal.conflict(
              "AMBIGUOUS_CONTAINER",
              "'"
                  + nameOrId
                  + "' matches "
                  + matches.size()
                  + " containers: "
                  + candidates
                  + "; give hostId or a longer id"));
    }
    return matches.get(0);
  }

  private static void checkSafe(RemediationAction action, ContainerRecord target) {
    boolean network =
        action == RemediationAction.ISOLATE_NETWORK
            || action == RemediationAction.RESTORE_NETWORK
            || action == RemediationAction.CAPTURE_PACKETS;
    if (network) {
      if (target.config() == null) {
        throw refuse(
            Refusal.conflict(
                "UNSAFE_REMEDIATION",
                "the network mode of container "
                    + target.name()
                    + " is not known yet; refusing "
                    + action));
      }
      NetworkMode mode = NetworkMode.of(target.networkMode());
      if (mode.isHost() || mode.isNone() || mode.sharedContainer().isPresent()) {
        throw refuse(
            Refusal.conflict(
                "UNSAFE_REMEDIATION",
                action
                    + " of container "
                    + target.name()
                    + " is refused: its network mode is '"
                    + mode
                    + "'"
                    + (mode.isHost()
                        ? " (it shares the host's network; this would act on the host itself)"
                        : mode.isNone()
                            ? " (it has no network interface of its own)"
                            : " (it shares another container's network namespace)")));
      }
    }
    boolean needsRunning = action != RemediationAction.RESTORE_NETWORK;
    if (needsRunning && !target.running()) {
      throw refuse(
          Refusal.conflict(
              "CONTAINER_NOT_RUNNING",
              action + " needs a running container; " + target.name() + " is " + target.state()));
    }
  }

  private boolean hostKnown(String hostId) {
    return hosts.contains(hostId) || !containers.list(hostId).isEmpty();
  }

  private Set<String> knownHosts() {
    Set<String> known = new LinkedHashSet<>();
    hosts.all().forEach(h -> known.add(h.hostId()));
    containers.list(null).forEach(c -> known.add(c.hostId()));
    return known;
  }

  private static void requireText(String field, String value, RemediationAction action) {
    if (value == null || value.isBlank()) {
      throw refuse(Refusal.invalid(field, "required for " + action));
    }
  }

  private static void notAllowed(String field, Object value, RemediationAction action) {
    if (value != null) {
      throw refuse(Refusal.invalid(field, "not allowed for " + action));
    }
  }

  private static void inRange(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw refuse(Refusal.invalid(field, "expected " + min + " to " + max + " but was " + value));
    }
  }

  private static String actionNames() {
    return Arrays.stream(RemediationAction.values())
        .filter(
            a ->
                a != RemediationAction.REMEDIATION_ACTION_UNSPECIFIED
                    && a != RemediationAction.UNRECOGNIZED)
        .map(Enum::name)
        .collect(Collectors.joining(", "));
  }

  private static Refused refuse(Refusal refusal) {
    return new Refused(refusal);
  }

  /** Carries a refusal from a nested check out to {@link #plan}; never leaves this class. */
  private static final class Refused extends RuntimeException {
    private final Refusal refusal;

    Refused(Refusal refusal) {
      super(refusal.message(), null, false, false);
      this.refusal = refusal;
    }
  }
}
