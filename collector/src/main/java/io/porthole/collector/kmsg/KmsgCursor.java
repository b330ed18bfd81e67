package io.porthole.collector.kmsg;

import io.porthole.collector.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How far the kernel log was read: the boot it belongs to (sequence numbers start again at every
 * boot) and the last sequence number handled. Text form:
 *
 * <pre>
 * porthole-kmsg-cursor 1
 * boot 407fd1c7-ac22-4db7-9e6f-0c6a3c892eaa
 * sequence 1411
 * </pre>
 */
record KmsgCursor(String bootId, long sequence) {

  static final String HEADER = "porthole-kmsg-cursor 1";

  KmsgCursor {
    Objects.requireNonNull(bootId, "bootId");
  }

  String toText() {
    return HEADER + "\nboot " + bootId + "\nsequence " + sequence + "\n";
  }

  /**
   * @throws IllegalArgumentException naming what is wrong
   */
  static KmsgCursor parse(String text) {
    String[] lines = text.split("\n");
    if (lines.length < 3
        || !lines[0].equals(HEADER)
        || !lines[1].startsWith("boot ")
        || !lines[2].startsWith("sequence ")) {
      throw new IllegalArgumentException(
          "expected '" + HEADER + "', 'boot ID', 'sequence N' lines");
    }
    try {
      return new KmsgCursor(
          lines[1].substring(5).trim(), Long.parseLong(lines[2].substring(9).trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("sequence is not a number: '" + lines[2] + "'", e);
    }
  }

  /** The cursor in {@code file}; empty when there is none. */
  static Optional<KmsgCursor> load(Path file) throws IOException {
    try {
      return Optional.of(parse(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  void save(Path file) throws IOException {
    DurableFile.replace(file, toText().getBytes(StandardCharsets.UTF_8));
  }
}
