package io.porthole.collector.strace;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of syscall tracing, from {@link Settings} ({@code strace.*} keys, or {@code
 * PORTHOLE_STRACE_*} environment variables).
 *
 * @param binary the strace executable (a name looked up on PATH, or a path)
 * @param batchInterval how long a SyscallBatch stays open
 * @param batchMaxEvents syscalls per batch; more within one interval are dropped and counted
 * @param maxDuration upper bound of an on-demand trace (longer requests are shortened to it)
 * @param maxConcurrent containers traced at the same time, labelled and on demand together
 * @param syscalls the {@code -e trace=} set
 * @param pauseWhileAttaching pause the container (docker pause) while strace attaches, so that no
 *     syscall between listing its processes and attaching is missed
 * @param attachTimeout how long strace may take to attach to every process
 */
public record StraceConfig(
    String binary,
    Duration batchInterval,
    int batchMaxEvents,
    Duration maxDuration,
    int maxConcurrent,
    String syscalls,
    boolean pauseWhileAttaching,
    Duration attachTimeout) {

  public static final String BINARY = "strace.binary";
  public static final String BATCH_INTERVAL = "strace.batch.interval";
  public static final String BATCH_MAX_EVENTS = "strace.batch.max.events";
  public static final String MAX_DURATION = "strace.max.duration";
  public static final String MAX_CONCURRENT = "strace.max.concurrent";
  public static final String SYSCALLS = "strace.syscalls";
  public static final String PAUSE = "strace.pause";
  public static final String ATTACH_TIMEOUT = "strace.attach.timeout";

  /**
   * File, process and network calls, and the newer calls a program may probe ({@link
   * ProbedSyscalls}).
   */
  public static final String DEFAULT_SYSCALLS =
      "%file,%process,%network," + ProbedSyscalls.traceSet();

  private static final String EXAMPLE_SYSCALLS = "%file,%process,%network,?memfd_create";

  public StraceConfig {
    Objects.requireNonNull(binary, "binary");
    Objects.requireNonNull(batchInterval, "batchInterval");
    Objects.requireNonNull(maxDuration, "maxDuration");
    Objects.requireNonNull(syscalls, "syscalls");
    Objects.requireNonNull(attachTimeout, "attachTimeout");
  }

  /**
   * The defaults: strace on PATH, 250 ms batches of at most 2000 syscalls, 10 min, 8 containers.
   */
  public static StraceConfig defaults() {
    return from(Settings.of(Map.of()));
  }

  /**
   * @throws ConfigException naming the key and what was expected
   */
  public static StraceConfig from(Settings settings) {
    String binary = settings.string(BINARY, "strace");
    if (binary.isBlank() || binary.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException(
          settings.describe(BINARY),
          "expected an executable name or path without spaces but was '" + binary + "'");
    }
    return new StraceConfig(
        binary,
        settings.duration(
            BATCH_INTERVAL, Duration.ofMillis(250), Duration.ofMillis(10), Duration.ofSeconds(60)),
        settings.integer(BATCH_MAX_EVENTS, 2000, 1, 1_000_000),
        settings.duration(
            MAX_DURATION, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(24)),
        settings.integer(MAX_CONCURRENT, 8, 1, 256),
        syscalls(settings),
        settings.bool(PAUSE, true),
        settings.duration(
            ATTACH_TIMEOUT, Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5)));
  }

  private static String syscalls(Settings settings) {
    List<String> entries = settings.list(SYSCALLS, List.of(DEFAULT_SYSCALLS.split(",")));
    if (entries.isEmpty()) {
      throw new ConfigException(
          settings.describe(SYSCALLS),
          "expected a comma-separated strace trace set such as " + EXAMPLE_SYSCALLS);
    }
    for (String entry : entries) {
      String name =
          entry.startsWith("%") || entry.startsWith("!") || entry.startsWith("?")
              ? entry.substring(1)
              : entry;
      if (name.isEmpty() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_')) {
        throw new ConfigException(
            settings.describe(SYSCALLS),
            "expected syscall names or %classes (e.g. "
                + EXAMPLE_SYSCALLS
                + ") but found '"
                + entry
                + "'");
      }
    }
    return String.join(",", entries);
  }
}
