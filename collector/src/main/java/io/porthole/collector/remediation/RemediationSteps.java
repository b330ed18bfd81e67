package io.porthole.collector.remediation;

import io.porthole.proto.RemediationCommand;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The named steps the action handlers are chained from: each blocking step runs on the remediation
 * worker pool and answers with a future.
 */
final class RemediationSteps {

  private final WorkerExecutor workers;
  private final ContainerLookup containers;
  private final VethResolver veths;

  RemediationSteps(WorkerExecutor workers, ContainerLookup containers, VethResolver veths) {
    this.workers = Objects.requireNonNull(workers, "workers");
    this.containers = Objects.requireNonNull(containers, "containers");
    this.veths = Objects.requireNonNull(veths, "veths");
  }

  <T> Future<T> blocking(Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  /** Find the container: the command's target, running. */
  Future<TargetContainer> findRunningContainer(RemediationCommand command) {
    return requireContainerId(command)
        .compose(id -> blocking(() -> containers.runningContainer(id)));
  }

  /**
   * Find the container in any state (pid 0 when stopped); fails when there is no such container.
   */
  Future<TargetContainer> findContainer(RemediationCommand command) {
    return requireContainerId(command)
        .compose(
            id ->
                blocking(
                    () ->
                        containers
                            .find(id)
                            .orElseThrow(
                                () ->
                                    new RemediationFailed(
                                        "no container '" + id + "' on this host"))));
  }

  /**
   * Resolve the container's veths and prove each safe: a refusal fails with {@link
   * RemediationRefused}.
   */
  Future<NetworkVerdict> provenNetwork(TargetContainer container) {
    return blocking(
        () -> {
          NetworkVerdict verdict = veths.resolve(container);
          if (!verdict.isSafe()) {
            throw new RemediationRefused(
                "refusing to touch the network of " + container.label() + ": " + verdict.refusal());
          }
          return verdict;
        });
  }

  /** A running container of the command and its network, every veth of it proven safe. */
  record Target(TargetContainer container, NetworkVerdict network) {}

  /**
   * The command's running container and its proven network ({@link #findRunningContainer}, then
   * {@link #provenNetwork}): the first steps of every action on a container's interfaces.
   */
  Future<Target> runningContainerOnProvenNetwork(RemediationCommand command) {
    return findRunningContainer(command)
        .compose(
            container -> provenNetwork(container).map(network -> new Target(container, network)));
  }

  private static Future<String> requireContainerId(RemediationCommand command) {
    return command.getContainerId().isEmpty()
        ? Future.failedFuture(new RemediationRefused(command.getAction() + " needs a container id"))
        : Future.succeededFuture(command.getContainerId());
  }

  /** The requested value, the default for 0, or a refusal above the maximum. */
  static Duration bounded(String field, Duration requested, Duration defaultValue, Duration max) {
    if (requested.isZero()) {
      return defaultValue;
    }
    if (requested.compareTo(max) > 0) {
      throw new RemediationRefused(
          field
              + " "
              + requested.toSeconds()
              + " exceeds this collector's maximum of "
              + max.toSeconds());
    }
    return requested;
  }

  static long bounded(String field, long requested, long defaultValue, long max) {
    if (requested == 0) {
      return defaultValue;
    }
    if (requested > max) {
      throw new RemediationRefused(
          field + " " + requested + " exceeds this collector's maximum of " + max);
    }
    return requested;
  }
}
