package io.porthole.collector.docker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the {@link StreamPosition} in one file: written to a temporary file beside it, forced to
 * disk, then renamed over the old one (atomic on one file system), and the directory forced, so a
 * crash at any point leaves either the old or the new position, never a torn one. Blocking: call it
 * off the event loop.
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
   * @throws IOException when it cannot be read, or is unreadable (the message names the file and line)
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
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve(file.getFileName() + ".tmp");
    byte[] bytes = position.toText().getBytes(StandardCharsets.UTF_8);
    try (FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory(dir);
  }

  /** Makes the rename itself durable; a file system that cannot open directories is left as is. */
  private static void forceDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort: the rename is atomic either way
    }
  }
}
