package io.porthole.collector.remediation;

import static io.porthole.proto.RemediationStatus.SUCCEEDED;

import io.porthole.collector.remediation.RemediationSteps.Target;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.Timestamps;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * ISOLATE_NETWORK: find the container, resolve every veth of its namespace, prove each safe, record
 * the isolation (write-ahead), bring them all down (all or nothing), verify, report. Also
 * re-isolates a container that started again under isolation ({@link #reisolate}).
 */
final class IsolateNetwork implements ActionHandler {

  private final RemediationSteps steps;
  private final LinkSwitch links;
  private final IsolationStore isolations;
  private final ResultFactory results;
  private final Duration maxTtl;
  private final Consumer<ActiveIsolation> onIsolated;

  /**
   * @param onIsolated told of every isolation recorded (to schedule its TTL restore)
   */
  IsolateNetwork(
      RemediationSteps steps,
      LinkSwitch links,
      IsolationStore isolations,
      ResultFactory results,
      Duration maxTtl,
      Consumer<ActiveIsolation> onIsolated) {
    this.steps = Objects.requireNonNull(steps, "steps");
    this.links = Objects.requireNonNull(links, "links");
    this.isolations = Objects.requireNonNull(isolations, "isolations");
    this.results = Objects.requireNonNull(results, "results");
    this.maxTtl = Objects.requireNonNull(maxTtl, "maxTtl");
    this.onIsolated = Objects.requireNonNull(onIsolated, "onIsolated");
  }

  @Override
  public RemediationAction action() {
    return RemediationAction.ISOLATE_NETWORK;
  }

  @Override
  public Future<List<RemediationResult>> handle(RemediationCommand command, Instant started) {
    Duration ttl = Duration.ofSeconds(command.getTtlSeconds());
    if (ttl.compareTo(maxTtl) > 0) {
      throw new RemediationRefused(
          "ttl_seconds "
              + command.getTtlSeconds()
              + " exceeds the maximum of "
              + maxTtl.toSeconds());
    }
    return steps
        .runningContainerOnProvenNetwork(command)
        .compose(
            target ->
                command.getDryRun()
                    ? results.dryRun(
                        command,
                        started,
                        target.network(),
                        "would bring down every interface of "
                            + target.container().label()
                            + " ("
                            + target.network().describe()
                            + ")"
                            + ttlText(ttl)
                            + "; nothing changed")
                    : isolate(command, target, ttl)
                        .map(isolation -> report(command, started, target, ttl, isolation)));
  }

  /**
   * Records the isolation (write-ahead) and brings every veth down; the TTL restore is scheduled
   * for what was recorded, also when a failure left it behind (restored now, retried).
   */
  private Future<ActiveIsolation> isolate(RemediationCommand command, Target target, Duration ttl) {
    long restoreAt = ttl.isZero() ? 0 : results.now().plus(ttl).toEpochMilli();
    ActiveIsolation intent =
        new ActiveIsolation(
            target.container().id(),
            target.container().name(),
            command.getCommandId(),
            hostInterfaces(target.network()),
            restoreAt,
            HexFormat.of().formatHex(CommandSigner.digest(command)),
            command.getRequestedBy());
    return steps
        .blocking(() -> isolate(intent, target.network()))
        .onFailure(
            e -> {
              if (e instanceof IsolationLeftBehind left) {
                onIsolated.accept(left.kept); // restored now, retrying with back-off
              }
            })
        // scheduling the TTL restore cannot fail the command: the isolation is in force and
        // recorded, and the restore is also scheduled from the record at the next start
        .onSuccess(onIsolated::accept);
  }

  private List<RemediationResult> report(
      RemediationCommand command,
      Instant started,
      Target target,
      Duration ttl,
      ActiveIsolation isolation) {
    NetworkVerdict network = target.network();
    RemediationResult.Builder result =
        results
            .result(
                command,
                started,
                SUCCEEDED,
                "all "
                    + network.veths().size()
                    + " interface(s) of "
                    + target.container().label()
                    + " are down ("
                    + network.describe()
                    + "): the container is cut off from every network"
                    + ttlText(ttl))
            .setInterface(network.hostInterfaces());
    if (isolation.hasTtl()) {
      result.setRestoreAt(Timestamps.of(Instant.ofEpochMilli(isolation.restoreAtEpochMillis())));
    }
    return List.of(result.build());
  }

  /**
   * Re-isolates a container that started again (new veths) while {@code isolation} is in force: the
   * follow-up result to publish on the isolation's command, or empty when there was nothing to do
   * (the isolation ended, the container is gone or stopped, or its veths were all down already).
   */
  Future<Optional<RemediationResult>> reisolate(
      ActiveIsolation isolation, ContainerLookup containers) {
    return steps
        .blocking(
            () ->
                isolations
                    .get(isolation.containerId())
                    .filter(current -> current.commandId().equals(isolation.commandId()))
                    .flatMap(
                        current ->
                            containers
                                .find(current.containerId())
                                .filter(TargetContainer::running)))
        .compose(
            found ->
                found.isEmpty()
                    ? Future.succeededFuture(Optional.empty())
                    : steps
                        .provenNetwork(found.get())
                        .compose(
                            network ->
                                steps.blocking(
                                    () -> {
                                      ActiveIsolation current =
                                          isolations.get(isolation.containerId()).orElse(isolation);
                                      List<VethVerdict> changed =
                                          links.setAll(network.veths(), false);
                                      isolations.put(
                                          current.withHostInterfaces(
                                              merge(current, network, changed)));
                                      if (changed.isEmpty()) {
                                        return Optional.empty();
                                      }
                                      RemediationResult.Builder followUp =
                                          results
                                              .followUp(
                                                  current,
                                                  SUCCEEDED,
                                                  "container "
                                                      + found.get().label()
                                                      + " started again under isolation "
                                                      + current.commandId()
                                                      + " and was re-isolated: its new"
                                                      + " interface(s) are down ("
                                                      + network.describe()
                                                      + ")")
                                              .setInterface(network.hostInterfaces());
                                      if (current.hasTtl()) {
                                        followUp.setRestoreAt(
                                            Timestamps.of(
                                                Instant.ofEpochMilli(
                                                    current.restoreAtEpochMillis())));
                                      }
                                      return Optional.of(followUp.build());
                                    })));
  }

  /** The isolation failed and left links down: its record stays, due for restore now. */
  static final class IsolationLeftBehind extends RemediationFailed {
    final transient ActiveIsolation kept;

    IsolationLeftBehind(ActiveIsolation kept, LinksLeftChanged cause) {
      super(
          cause.getMessage()
              + "; they stay recorded and are brought back up (retrying, also after a restart)",
          cause);
      this.kept = kept;
    }
  }

  // Write-ahead: the record exists before the first link goes down, so that a crash in between
  // still ends in a restore (TTL) or a re-isolation (start); undone when the links cannot be
  // changed,
  // unless some could not be brought back: then the record stays (under an earlier isolation, or
  // due
  // for restore now), so that the links left down are restored now or by the next start.
  ActiveIsolation isolate(ActiveIsolation intent, NetworkVerdict network) throws IOException {
    Optional<ActiveIsolation> previous = isolations.get(intent.containerId());
    isolations.put(intent.withHostInterfaces(union(previous, intent.hostInterfaces())));
    List<VethVerdict> changed;
    try {
      changed = links.setAll(network.veths(), false);
    } catch (LinksLeftChanged e) {
      List<String> leftDown = names(e.leftChanged());
      if (previous.isPresent()) {
        isolations.put(previous.get().withHostInterfaces(union(previous, leftDown)));
        throw e;
      }
      ActiveIsolation kept =
          intent.withHostInterfaces(leftDown).withRestoreAt(results.now().toEpochMilli());
      isolations.put(kept);
      throw new IsolationLeftBehind(kept, e);
    } catch (IOException | RuntimeException e) {
      if (previous.isPresent()) {
        isolations.put(previous.get());
      } else {
        isolations.remove(intent.containerId());
      }
      throw e;
    }
    ActiveIsolation recorded =
        intent.withHostInterfaces(
            previous.map(p -> merge(p, network, changed)).orElseGet(() -> names(changed)));
    isolations.put(recorded);
    return recorded;
  }

  // The veths this isolation answers for: those it brought down now, and those an earlier
  // isolation of the same container brought down that still exist.
  private static List<String> merge(
      ActiveIsolation previous, NetworkVerdict network, List<VethVerdict> changed) {
    Set<String> current = new LinkedHashSet<>(hostInterfaces(network));
    Set<String> merged = new LinkedHashSet<>(previous.hostInterfaces());
    merged.retainAll(current);
    merged.addAll(names(changed));
    return List.copyOf(merged);
  }

  private static List<String> union(Optional<ActiveIsolation> previous, List<String> more) {
    Set<String> all =
        new LinkedHashSet<>(previous.map(ActiveIsolation::hostInterfaces).orElse(List.of()));
    all.addAll(more);
    return List.copyOf(all);
  }

  private static List<String> hostInterfaces(NetworkVerdict network) {
    return names(network.veths());
  }

  private static List<String> names(List<VethVerdict> veths) {
    return veths.stream().map(VethVerdict::veth).toList();
  }

  private static String ttlText(Duration ttl) {
    return ttl.isZero() ? "" : "; restored by itself after " + ttl.toSeconds() + " s";
  }
}
