package io.porthole.app.demo;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The demo's containers: created from the scenario image with a {@code porthole.demo} label and a
 * {@code porthole-demo-} name, remembered by id, and all removed (by id) at the end. Blocking
 * calls; the demo runs them on its own thread.
 */
final class DemoDocker implements AutoCloseable {

  static final String IMAGE = "porthole/busybox:test";
  private static final String RUN_ID = UUID.randomUUID().toString().substring(0, 6);

  private final DockerClient docker;
  private final List<String> started = Collections.synchronizedList(new ArrayList<>());

  DemoDocker(DockerClient docker) {
    this.docker = Objects.requireNonNull(docker, "docker");
  }

  /** Creates and starts a container; returns its full id. */
  String run(
      String scenario,
      Map<String, String> labels,
      UnaryOperator<HostConfig> hostConfig,
      String... command) {
    String name = "porthole-demo-" + scenario + "-" + RUN_ID;
    Map<String, String> allLabels = new HashMap<>(labels);
    allLabels.put("porthole.demo", RUN_ID);
    CreateContainerCmd create =
        docker
            .createContainerCmd(IMAGE)
            .withName(name)
            .withLabels(allLabels)
            .withCmd(command)
            .withHostConfig(hostConfig.apply(HostConfig.newHostConfig()));
    String id = create.exec().getId();
    started.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  String name(String id) {
    return docker.inspectContainerCmd(id).exec().getName().replaceFirst("^/", "");
  }

  /** The gateway of the container's first network (the Docker bridge's address). */
  String gateway(String id) {
    InspectContainerResponse inspect = docker.inspectContainerCmd(id).exec();
    for (ContainerNetwork network : inspect.getNetworkSettings().getNetworks().values()) {
      if (network.getGateway() != null && !network.getGateway().isBlank()) {
        return network.getGateway();
      }
    }
    throw new IllegalStateException("container " + id.substring(0, 12) + " has no network gateway");
  }

  /** Runs {@code ping -c1 -W1 ADDRESS} inside the container; true when it got an answer. */
  boolean ping(String id, String address) throws InterruptedException {
    String exec =
        docker
            .execCreateCmd(id)
            .withCmd("ping", "-c1", "-W1", address)
            .withAttachStdout(true)
            .withAttachStderr(true)
            .exec()
            .getId();
    ResultCallback.Adapter<Frame> callback =
        docker.execStartCmd(exec).exec(new ResultCallback.Adapter<>());
    if (!callback.awaitCompletion(10, TimeUnit.SECONDS)) {
      return false;
    }
    Long exitCode = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (exitCode == null && System.nanoTime() < deadline) {
      var inspect = docker.inspectExecCmd(exec).exec();
      if (!Boolean.TRUE.equals(inspect.isRunning())) {
        exitCode = inspect.getExitCodeLong();
      } else {
        Thread.sleep(50);
      }
    }
    return exitCode != null && exitCode == 0;
  }

  /** What the engine says of the container, for the report of a missing alert. */
  String state(String id) {
    try {
      var state = docker.inspectContainerCmd(id).exec().getState();
      return "engine: "
          + state.getStatus()
          + ", exit code "
          + state.getExitCodeLong()
          + ", OOMKilled="
          + state.getOOMKilled();
    } catch (RuntimeException e) {
      return "engine: cannot inspect (" + e.getMessage() + ")";
    }
  }

  boolean isOwn(String containerId) {
    return started.contains(containerId);
  }

  List<String> startedIds() {
    return List.copyOf(started);
  }

  /** Removes every container this demo started, by id; returns how many could not be removed. */
  int removeAll() {
    int failed = 0;
    for (String id : startedIds()) {
      try {
        docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        started.remove(id);
      } catch (NotFoundException gone) {
        started.remove(id);
      } catch (RuntimeException e) {
        failed++;
      }
    }
    return failed;
  }

  @Override
  public void close() throws Exception {
    docker.close();
  }
}
