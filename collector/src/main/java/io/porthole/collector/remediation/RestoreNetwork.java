package io.porthole.collector.remediation;

import static io.porthole.proto.RemediationStatus.SUCCEEDED;

import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * RESTORE_NETWORK: find the container, resolve its veths, prove each safe, bring back up exactly
 * the veths its isolation brought down (all of them when no isolation is recorded), verify, forget
 * the isolation, report. A stopped container's isolation simply ends: it is not re-isolated when it
 * starts. Also carries out TTL restores ({@link #restoreByTtl}).
 */
final class RestoreNetwork implements ActionHandler {

  private final RemediationSteps steps;
  private final LinkSwitch links;
  private final IsolationStore isolations;
  private final ResultFactory results;
  private final String hostId;

  RestoreNetwork(
      RemediationSteps steps,
      LinkSwitch links,
      IsolationStore isolations,
      ResultFactory results,
      String hostId) {
    this.steps = Objects.requireNonNull(steps, "steps");
    this.links = Objects.requireNonNull(links, "links");
    this.isolations = Objects.requireNonNull(isolations, "isolations");
    this.results = Objects.requireNonNull(results, "results");
    this.hostId = Objects.requireNonNull(hostId, "hostId");
  }

  @Override
  public RemediationAction action() {
    return RemediationAction.RESTORE_NETWORK;
  }

  @Override
  public Future<List<RemediationResult>> handle(RemediationCommand command, Instant started) {
    return steps.findContainer(command).compose(container -> restore(command, started, container));
  }

  /**
   * The TTL of {@code isolation} ran out: its restore result, or empty when a later command already
   * replaced or ended the isolation. The result is requested by whoever requested the isolation,
   * and its detail starts by saying that the TTL expired. A container that no longer exists ends
   * the isolation; any other failure fails the future, and the caller tries again later.
   */
  Future<Optional<RemediationResult>> restoreByTtl(
      ActiveIsolation isolation, ContainerLookup containers) {
    RemediationCommand restore = ttlRestoreCommand(isolation);
    Instant started = results.now();
    return steps
        .blocking(() -> isolations.isCurrent(isolation))
        .compose(
            stillInForce -> {
              if (!stillInForce) {
                return Future.succeededFuture(Optional.<RemediationResult>empty());
              }
              return steps
                  .blocking(() -> containers.find(isolation.containerId()))
                  .compose(
                      found ->
                          found.isEmpty()
                              ? steps
                                  .blocking(() -> isolations.remove(isolation))
                                  .map(
                                      v ->
                                          Optional.of(
                                              results
                                                  .result(
                                                      restore,
                                                      started,
                                                      SUCCEEDED,
                                                      "container "
                                                          + isolation.containerName()
                                                          + " no longer exists: nothing to restore")
                                                  .build()))
                              : restore(restore, started, found.get())
                                  .map(list -> Optional.of(list.get(0))));
            })
        .map(
            result ->
                result.map(
                    r -> r.toBuilder().setDetail(ttlExpired(isolation) + r.getDetail()).build()));
  }

  private static String ttlExpired(ActiveIsolation isolation) {
    return "TTL of isolation " + isolation.commandId() + " expired: ";
  }

  private Future<List<RemediationResult>> restore(
      RemediationCommand command, Instant started, TargetContainer container) {
    if (!container.running()) {
      if (command.getDryRun()) {
        return Future.succeededFuture(
            results.succeeded(
                command,
                started,
                "dry run: "
                    + container.label()
                    + " is not running; would end its isolation; nothing changed"));
      }
      return steps
          .blocking(() -> isolations.remove(container.id()))
          .map(
              v ->
                  results.succeeded(
                      command,
                      started,
                      container.label()
                          + " is not running: its isolation ends and it is not re-isolated "
                          + "when it starts"));
    }
    return steps
        .provenNetwork(container)
        .compose(
            network -> {
              if (command.getDryRun()) {
                return results.dryRun(
                    command,
                    started,
                    network,
                    "would bring the isolated interfaces of "
                        + container.label()
                        + " up ("
                        + network.describe()
                        + "); nothing changed");
              }
              return steps
                  .blocking(
                      () -> {
                        List<VethVerdict> isolated = isolatedVeths(container, network);
                        links.setAll(isolated, true);
                        isolations.remove(container.id());
                        return isolated;
                      })
                  .map(
                      isolated ->
                          List.of(
                              results
                                  .result(
                                      command,
                                      started,
                                      SUCCEEDED,
                                      isolated.isEmpty()
                                          ? "no interface of "
                                              + container.label()
                                              + " was isolated; its isolation (if any) ends"
                                          : isolated.size()
                                              + " interface(s) of "
                                              + container.label()
                                              + " are up again ("
                                              + new NetworkVerdict(isolated, null).describe()
                                              + ")")
                                  .setInterface(new NetworkVerdict(isolated, null).hostInterfaces())
                                  .build()));
            });
  }

  // Exactly the veths the isolation brought down; every veth when none is recorded (an isolation
  // by an older collector, or a RESTORE without a known isolation).
  private List<VethVerdict> isolatedVeths(TargetContainer container, NetworkVerdict network) {
    Optional<ActiveIsolation> isolation =
        isolations.get(container.id()).filter(i -> !i.hostInterfaces().isEmpty());
    if (isolation.isEmpty()) {
      return network.veths();
    }
    return network.veths().stream()
        .filter(v -> isolation.get().hostInterfaces().contains(v.veth()))
        .toList();
  }

  /**
   * The restore a TTL does by itself, as if the isolation's requester had asked for it (the
   * requester of an isolation recorded by an older collector is unknown: "collector").
   */
  RemediationCommand ttlRestoreCommand(ActiveIsolation isolation) {
    return RemediationCommand.newBuilder()
        .setCommandId(isolation.commandId() + "-ttl-restore")
        .setAction(RemediationAction.RESTORE_NETWORK)
        .setHostId(hostId)
        .setContainerId(isolation.containerId())
        .setContainerName(isolation.containerName())
        .setReason("TTL of isolation " + isolation.commandId() + " expired")
        .setRequestedBy(isolation.requestedBy() == null ? "collector" : isolation.requestedBy())
        .build();
  }
}
