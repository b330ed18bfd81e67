package io.porthole.collector.remediation;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one regular file out of an image without running it: create a container (never started, no
 * network), read the archive of the path, remove the container in every case. Blocking.
 */
public final class ImageFileExtractor {

  /** The file's bytes and name. */
  public record Extracted(String fileName, byte[] bytes) {}

  private static final Logger LOG = LoggerFactory.getLogger(ImageFileExtractor.class);
  // Never executed: the container is only created, so the image needs no usable entrypoint.
  private static final String NEVER_STARTED = "/porthole-extract-never-started";

  private final DockerClient docker;

  public ImageFileExtractor(DockerClient docker) {
    this.docker = Objects.requireNonNull(docker, "docker");
  }

  /**
   * @throws RemediationFailed for a missing image or path, a path that is not a regular file, or a
   *     file larger than {@code maxBytes}
   */
  public Extracted extract(String image, String path, long maxBytes) throws IOException {
    String containerId;
    try {
      containerId =
          docker
              .createContainerCmd(image)
              .withName("porthole-extract-" + UUID.randomUUID().toString().substring(0, 12))
              .withEntrypoint(NEVER_STARTED)
              .withCmd(path)
              .withNetworkDisabled(true)
              .withLabels(Map.of("io.porthole.purpose", "extract-file"))
              .exec()
              .getId();
    } catch (NotFoundException e) {
      throw new RemediationFailed("image '" + image + "' not found on this host");
    }
    try {
      return copyOut(containerId, image, path, maxBytes);
    } finally {
      remove(containerId);
    }
  }

  private Extracted copyOut(String containerId, String image, String path, long maxBytes)
      throws IOException {
    InputStream archive;
    try {
      archive = docker.copyArchiveFromContainerCmd(containerId, path).exec();
    } catch (NotFoundException e) {
      throw new RemediationFailed("path '" + path + "' not found in image '" + image + "'");
    }
    try (TarArchiveInputStream tar = new TarArchiveInputStream(archive)) {
      TarArchiveEntry entry = tar.getNextEntry();
      if (entry == null) {
        throw new RemediationFailed("the engine returned an empty archive for '" + path + "'");
      }
      if (entry.isDirectory()) {
        throw new RemediationFailed(
            "'" + path + "' in image '" + image + "' is a directory, not a regular file");
      }
      if (entry.isSymbolicLink()) {
        throw new RemediationFailed(
            "'"
                + path
                + "' in image '"
                + image
                + "' is a symbolic link to '"
                + entry.getLinkName()
                + "', not a regular file; ask for the target");
      }
      if (!entry.isFile() || entry.isLink()) {
        throw new RemediationFailed(
            "'" + path + "' in image '" + image + "' is not a regular file");
      }
      if (entry.getSize() > maxBytes) {
        throw new RemediationFailed(
            "'"
                + path
                + "' is "
                + entry.getSize()
                + " bytes, more than the limit of "
                + maxBytes
                + " bytes");
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) entry.getSize());
      tar.transferTo(bytes);
      if (bytes.size() != entry.getSize()) {
        throw new RemediationFailed(
            "'" + path + "': read " + bytes.size() + " of " + entry.getSize() + " bytes");
      }
      return new Extracted(entry.getName().replaceFirst("^.*/", ""), bytes.toByteArray());
    }
  }

  private void remove(String containerId) {
    try {
      docker.removeContainerCmd(containerId).withForce(true).exec();
    } catch (NotFoundException e) {
      // Gone already.
    } catch (RuntimeException e) {
      LOG.warn("cannot remove extraction container {}: {}", containerId, e.toString());
    }
  }
}
