package io.porthole.collector.strace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The strace recordings in src/test/resources/strace (recorded with strace 6.1 on the build host).
 */
final class Fixtures {

  private Fixtures() {}

  static Path path(String name) {
    try {
      return Paths.get(Fixtures.class.getResource("/strace/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The lines as {@code BufferedReader} would read them (UTF-8, malformed bytes replaced). */
  static List<String> lines(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/strace/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
