package io.porthole.collector.remediation;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.wire.NetworkMode;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds a command's target container: in the {@link ContainerDirectory} when the Docker source has
 * it, otherwise by {@code docker inspect} (id or name). Blocking: call it on a worker thread.
 */
public final class ContainerLookup {

  private final ContainerDirectory directory;
  private final DockerClient docker;

  public ContainerLookup(ContainerDirectory directory, DockerClient docker) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.docker = Objects.requireNonNull(docker, "docker");
  }

  /**
   * @throws RemediationFailed when no such container exists or it is not running
   */
  public TargetContainer runningContainer(String idOrName) {
    TargetContainer target =
        find(idOrName)
            .orElseThrow(
                () -> new RemediationFailed("no container '" + idOrName + "' on this host"));
    if (!target.running()) {
      throw new RemediationFailed("container " + target.label() + " is not running");
    }
    return target;
  }

  /**
   * The container in any state (pid 0 when not running); empty when the engine has no such
   * container. Other engine errors propagate (they may be transient).
   */
  public Optional<TargetContainer> find(String idOrName) {
    Optional<ContainerInfo> known = directory.find(idOrName).filter(c -> c.pid() > 0);
    if (known.isPresent()) {
      return known.map(ContainerLookup::fromDirectory);
    }
    try {
      return Optional.of(inspect(idOrName));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private TargetContainer inspect(String idOrName) {
    InspectContainerResponse inspected = docker.inspectContainerCmd(idOrName).exec();
    Long pid = inspected.getState() == null ? null : inspected.getState().getPidLong();
    boolean running =
        inspected.getState() != null && Boolean.TRUE.equals(inspected.getState().getRunning());
    String name = inspected.getName() == null ? "" : inspected.getName().replaceFirst("^/", "");
    NetworkMode networkMode =
        NetworkMode.of(
            inspected.getHostConfig() == null ? "" : inspected.getHostConfig().getNetworkMode());
    return new TargetContainer(
        inspected.getId(), name, running && pid != null ? pid.intValue() : 0, networkMode);
  }

  private static TargetContainer fromDirectory(ContainerInfo info) {
    return new TargetContainer(
        info.id(), info.name(), info.pid(), NetworkMode.of(info.networkMode()));
  }
}
