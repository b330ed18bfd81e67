package io.porthole.collector.remediation;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the collector's remediation: where pending restores are kept, the bounds of
 * captures, extractions and traces, and the size of artifact chunks (how commands are verified:
 * {@link CommandVerification}).
 *
 * @param enabled whether the collector consumes commands at all ({@code remediation.enabled})
 * @param dataDir directory for pending restores and capture files ({@code remediation.data.dir})
 * @param maxConcurrentExtractions file extractions at once, each holding its file in memory ({@code
 *     remediation.extract.concurrency})
 * @param restoreRetryFirst the first pause before a failed TTL restore or re-isolation is tried
 *     again, doubled on each failure up to {@code restoreRetryMax} ({@code
 *     remediation.restore.retry.*})
 */
public record RemediationConfig(
    boolean enabled,
    Path dataDir,
    Duration captureDefaultDuration,
    Duration captureMaxDuration,
    int captureDefaultPackets,
    int captureMaxPackets,
    long captureDefaultBytes,
    long captureMaxBytes,
    long extractMaxBytes,
    int chunkBytes,
    Duration traceMaxDuration,
    Duration maxTtl,
    int maxConcurrentCommands,
    int maxConcurrentExtractions,
    Duration restoreRetryFirst,
    Duration restoreRetryMax) {

  public static final String ENABLED = "remediation.enabled";
  public static final String DATA_DIR = "remediation.data.dir";
  public static final String CAPTURE_DURATION = "remediation.capture.duration";
  public static final String CAPTURE_MAX_DURATION = "remediation.capture.max.duration";
  public static final String CAPTURE_PACKETS = "remediation.capture.packets";
  public static final String CAPTURE_MAX_PACKETS = "remediation.capture.max.packets";
  public static final String CAPTURE_BYTES = "remediation.capture.bytes";
  public static final String CAPTURE_MAX_BYTES = "remediation.capture.max.bytes";
  public static final String EXTRACT_MAX_BYTES = "remediation.extract.max.bytes";
  public static final String CHUNK_BYTES = "remediation.chunk.bytes";
  public static final String TRACE_MAX_DURATION = "remediation.trace.max.duration";
  public static final String MAX_TTL = "remediation.isolation.max.ttl";
  public static final String CONCURRENCY = "remediation.concurrency";
  public static final String EXTRACT_CONCURRENCY = "remediation.extract.concurrency";
  public static final String RESTORE_RETRY_FIRST = "remediation.restore.retry.first";
  public static final String RESTORE_RETRY_MAX = "remediation.restore.retry.max";

  /** Kafka's default record limit is 1 MiB; a chunk plus its envelope must stay below it. */
  public static final int MAX_CHUNK_BYTES = 900 * 1024;

  public RemediationConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    if (captureDefaultDuration.compareTo(captureMaxDuration) > 0
        || captureDefaultPackets > captureMaxPackets
        || captureDefaultBytes > captureMaxBytes) {
      throw new IllegalArgumentException("capture defaults must not exceed the capture maxima");
    }
  }

  public static RemediationConfig from(Settings settings) {
    boolean enabled = settings.bool(ENABLED, true);
    Path dataDir = path(settings, DATA_DIR, "/var/lib/porthole");
    Duration captureMax =
        settings.duration(
            CAPTURE_MAX_DURATION,
            Duration.ofMinutes(5),
            Duration.ofSeconds(1),
            Duration.ofHours(1));
    Duration captureDefault =
        settings.duration(
            CAPTURE_DURATION, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofHours(1));
    int packetsMax = settings.integer(CAPTURE_MAX_PACKETS, 1_000_000, 1, Integer.MAX_VALUE);
    int packetsDefault = settings.integer(CAPTURE_PACKETS, 10_000, 1, Integer.MAX_VALUE);
    long bytesMax = settings.longValue(CAPTURE_MAX_BYTES, 256L << 20, 1024, 4L << 30);
    long bytesDefault = settings.longValue(CAPTURE_BYTES, 16L << 20, 1024, 4L << 30);
    requireNotAbove(
        settings, CAPTURE_DURATION, captureDefault.compareTo(captureMax) > 0, CAPTURE_MAX_DURATION);
    requireNotAbove(settings, CAPTURE_PACKETS, packetsDefault > packetsMax, CAPTURE_MAX_PACKETS);
    requireNotAbove(settings, CAPTURE_BYTES, bytesDefault > bytesMax, CAPTURE_MAX_BYTES);
    return new RemediationConfig(
        enabled,
        dataDir,
        captureDefault,
        captureMax,
        packetsDefault,
        packetsMax,
        bytesDefault,
        bytesMax,
        settings.longValue(EXTRACT_MAX_BYTES, 64L << 20, 1, 4L << 30),
        settings.integer(CHUNK_BYTES, 256 * 1024, 1024, MAX_CHUNK_BYTES),
        settings.duration(
            TRACE_MAX_DURATION, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(6)),
        settings.duration(MAX_TTL, Duration.ofDays(7), Duration.ofSeconds(1), Duration.ofDays(365)),
        settings.integer(CONCURRENCY, 4, 1, 64),
        settings.integer(EXTRACT_CONCURRENCY, 2, 1, 16),
        settings.duration(
            RESTORE_RETRY_FIRST,
            Duration.ofSeconds(1),
            Duration.ofMillis(100),
            Duration.ofMinutes(10)),
        settings.duration(
            RESTORE_RETRY_MAX, Duration.ofMinutes(1), Duration.ofMillis(100), Duration.ofHours(1)));
  }

  /** Pending TTL restores, kept across restarts. */
  public Path isolationsFile() {
    return dataDir.resolve("isolations.json");
  }

  /** Where captures are written before they are chunked (and deleted). */
  public Path captureDir() {
    return dataDir.resolve("captures");
  }

  private static Path path(Settings settings, String key, String defaultValue) {
    String text = settings.string(key, defaultValue);
    try {
      Path path = Path.of(text);
      if (!path.isAbsolute()) {
        throw new ConfigException(
            settings.describe(key), "expected an absolute directory path but was '" + text + "'");
      }
      return path;
    } catch (InvalidPathException e) {
      throw new ConfigException(
          settings.describe(key), "expected a directory path but was '" + text + "'");
    }
  }

  private static void requireNotAbove(Settings settings, String key, boolean above, String maxKey) {
    if (above) {
      throw new ConfigException(
          settings.describe(key), "must not exceed " + settings.describe(maxKey));
    }
  }
}
