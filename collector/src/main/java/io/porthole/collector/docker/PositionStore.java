package io.porthole.collector.docker;

import io.porthole.collector.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the {@link StreamPosition} in one file, replaced durably ({@link DurableFile}): a crash at
 * any point leaves either the old or the new position. Blocking: call it off the event loop.
 */
final class PositionStore {

  private final Path file;

  PositionStore(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  Path file() {
    return file;
  }

  /**
   * The persisted position; empty when there is none yet.
   *
   * @throws IOException when it cannot be read, or is unreadable (the message names the file and
   *     line)
   */
  Optional<StreamPosition> load() throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(StreamPosition.parse(text));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  void save(StreamPosition position) throws IOException {
    DurableFile.replace(file, position.toText().getBytes(StandardCharsets.UTF_8));
  }
}
