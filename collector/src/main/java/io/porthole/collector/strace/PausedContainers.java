package io.porthole.collector.strace;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import io.porthole.collector.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containers the tracer paused to attach strace, written down before each pause (one file per
 * container under {@code <data dir>/paused-by-tracer/}) and removed once it is unpaused: a
 * collector that dies between the two leaves the record, and the next start unpauses what it finds
 * there ({@link #unpauseLeftovers}). Blocking: call it off the event loop.
 */
final class PausedContainers {

  static final String DIRECTORY = "paused-by-tracer";
  private static final Logger LOG = LoggerFactory.getLogger(PausedContainers.class);
  private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{12,64}");

  private final Path dir;

  PausedContainers(Path dataDir) {
    this.dir = Objects.requireNonNull(dataDir, "dataDir").resolve(DIRECTORY);
  }

  /**
   * Writes down that {@code containerId} is about to be paused; false when it cannot (then do not
   * pause).
   */
  boolean aboutToPause(String containerId) {
    try {
      DurableFile.replace(
          file(containerId), (Instant.now() + "\n").getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn(
          "cannot record the pause of container {} ({}): attaching without pausing it",
          containerId,
          e.toString());
      return false;
    }
  }

  /** The container is unpaused (or was never paused, or is gone). */
  void unpaused(String containerId) {
    try {
      Files.deleteIfExists(file(containerId));
    } catch (IOException | IllegalArgumentException e) {
      LOG.atWarn()
          .addKeyValue("container_id", containerId)
          .log("cannot remove the pause record of container {}: {}", containerId, e.toString());
    }
  }

  /** Ids of the containers recorded as paused. */
  List<String> recorded() {
    List<String> ids = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return ids;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (CONTAINER_ID.matcher(name).matches()) {
          ids.add(name);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", dir, e.toString());
    }
    return ids;
  }

  /**
   * Unpauses every container a previous run paused and did not unpause; a container that is gone or
   * not paused any more is just forgotten; one the engine refuses to unpause stays recorded.
   *
   * @return the containers unpaused
   */
  List<String> unpauseLeftovers(DockerClient docker) {
    List<String> unpaused = new ArrayList<>();
    for (String id : recorded()) {
      try {
        docker.unpauseContainerCmd(id).exec();
        unpaused.add(id);
        LOG.warn(
            "unpaused container {}, which a previous run paused to attach strace and did "
                + "not unpause",
            id);
        unpaused(id);
      } catch (NotFoundException | ConflictException e) {
        unpaused(id); // gone, or not paused (ConflictException: "is not paused")
      } catch (RuntimeException e) {
        LOG.error(
            "container {} is still paused since a previous run attached strace, and "
                + "unpausing it failed: {}",
            id,
            e.getMessage());
      }
    }
    return unpaused;
  }

  private Path file(String containerId) {
    if (!CONTAINER_ID.matcher(containerId).matches()) {
      throw new IllegalArgumentException("not a container id: '" + containerId + "'");
    }
    return dir.resolve(containerId);
  }
}
