package io.porthole.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finding a program the way a shell does, without running it: the collector's strace and the
 * launcher's preflight ask the same question and get the same answer.
 */
public final class Executables {

  /** What is searched when {@code PATH} is not set. */
  static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

  private Executables() {}

  /** {@link #find(String, String)} on this process's {@code PATH}. */
  public static Optional<Path> find(String name) {
    return find(name, System.getenv("PATH"));
  }

  /**
   * Where {@code name} is: itself when it names a path (it contains a {@code /}), else the first
   * directory of {@code pathVariable} ({@value #DEFAULT_PATH} when null) holding an executable
   * regular file of that name. Empty entries of {@code pathVariable} are skipped rather than taken
   * as the working directory: a program is not picked up from wherever the service was started.
   */
  public static Optional<Path> find(String name, String pathVariable) {
    if (name.contains("/")) {
      Path path = Path.of(name);
      return isExecutableFile(path) ? Optional.of(path) : Optional.empty();
    }
    for (String dir : (pathVariable == null ? DEFAULT_PATH : pathVariable).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (isExecutableFile(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static boolean isExecutableFile(Path path) {
    return Files.isRegularFile(path) && Files.isExecutable(path);
  }
}
