package io.porthole.collector;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.TopicSettings;
import io.porthole.wire.RecordKey;
import io.porthole.wire.TopicNames;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The collector's own configuration (the strace, packet and remediation parts read theirs from the
 * same {@link Settings}).
 *
 * @param kafka how to reach Kafka ({@code kafka.*})
 * @param hostId this host's id in every record key ({@code host.id}, default the hostname)
 * @param dockerHost the engine's address ({@code docker.host})
 * @param topicNames the topic names ({@code topic.prefix}, default the standard names)
 * @param heartbeatInterval between heartbeats ({@code heartbeat.interval})
 * @param publishBufferRecords records buffered while Kafka is slow or unreachable, before dropping
 *     ({@code publish.buffer.records})
 * @param reconnectMinBackoff first wait before reconnecting a broken events stream ({@code
 *     docker.reconnect.backoff.min})
 * @param reconnectMaxBackoff longest wait between reconnect attempts ({@code
 *     docker.reconnect.backoff.max})
 * @param dataDir what the collector keeps across its restarts: the events stream position, the
 *     kernel log cursor, containers paused by the tracer ({@code collector.data.dir}; default
 *     {@code <data.dir>/collector} when {@code data.dir} is set, else {@code
 *     /var/lib/porthole/collector})
 * @param positionFlushInterval the longest time between two saves of the events stream position and
 *     the kernel log cursor ({@code collector.position.flush.interval}, default 1s)
 */
public record CollectorConfig(
    KafkaSettings kafka,
    String hostId,
    String dockerHost,
    TopicNames topicNames,
    Duration heartbeatInterval,
    int publishBufferRecords,
    Duration reconnectMinBackoff,
    Duration reconnectMaxBackoff,
    Path dataDir,
    Duration positionFlushInterval) {

  public static final String HOST_ID = "host.id";
  public static final String DOCKER_HOST = "docker.host";
  public static final String TOPIC_PREFIX = TopicSettings.TOPIC_PREFIX;
  public static final String HEARTBEAT_INTERVAL = "heartbeat.interval";
  public static final String PUBLISH_BUFFER_RECORDS = "publish.buffer.records";
  public static final String RECONNECT_BACKOFF_MIN = "docker.reconnect.backoff.min";
  public static final String RECONNECT_BACKOFF_MAX = "docker.reconnect.backoff.max";
  public static final String DATA_DIR = "collector.data.dir";

  /**
   * The application's data directory (the suite's {@code data.dir}); the collector uses a
   * sub-directory.
   */
  public static final String SHARED_DATA_DIR = "data.dir";

  public static final String POSITION_FLUSH_INTERVAL = "collector.position.flush.interval";
  static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/porthole/collector");

  private static final Pattern DOCKER_HOST_FORM = Pattern.compile("unix:///.+|tcp://[^/:]+:\\d+/?");

  public CollectorConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(dockerHost, "dockerHost");
    Objects.requireNonNull(topicNames, "topicNames");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(reconnectMinBackoff, "reconnectMinBackoff");
    Objects.requireNonNull(reconnectMaxBackoff, "reconnectMaxBackoff");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(positionFlushInterval, "positionFlushInterval");
  }

  public static CollectorConfig from(Settings settings) {
    KafkaSettings kafka = KafkaSettings.from(settings);
    String hostId = hostId(settings);
    String dockerHost = settings.string(DOCKER_HOST, DockerClients.DEFAULT_DOCKER_HOST);
    if (!DOCKER_HOST_FORM.matcher(dockerHost).matches()) {
      throw new ConfigException(
          settings.describe(DOCKER_HOST),
          "expected unix:///PATH or tcp://HOST:PORT but was '" + dockerHost + "'");
    }
    TopicNames topicNames = TopicSettings.from(settings);
    Duration heartbeat =
        settings.duration(
            HEARTBEAT_INTERVAL,
            Duration.ofSeconds(10),
            Duration.ofMillis(100),
            Duration.ofHours(1));
    int buffer = settings.integer(PUBLISH_BUFFER_RECORDS, 10_000, 1, 10_000_000);
    Duration min =
        settings.duration(
            RECONNECT_BACKOFF_MIN,
            Duration.ofMillis(200),
            Duration.ofMillis(10),
            Duration.ofMinutes(1));
    Duration max =
        settings.duration(
            RECONNECT_BACKOFF_MAX,
            Duration.ofSeconds(10),
            Duration.ofMillis(10),
            Duration.ofMinutes(10));
    if (max.compareTo(min) < 0) {
      throw new ConfigException(
          settings.describe(RECONNECT_BACKOFF_MAX),
          "expected at least "
              + settings.describe(RECONNECT_BACKOFF_MIN)
              + " ("
              + min.toMillis()
              + "ms) but was "
              + max.toMillis()
              + "ms");
    }
    Duration flush =
        settings.duration(
            POSITION_FLUSH_INTERVAL,
            Duration.ofSeconds(1),
            Duration.ofMillis(10),
            Duration.ofMinutes(10));
    return new CollectorConfig(
        kafka,
        hostId,
        dockerHost,
        topicNames,
        heartbeat,
        buffer,
        min,
        max,
        dataDir(settings),
        flush);
  }

  private static Path dataDir(Settings settings) {
    String key = settings.optional(DATA_DIR).isPresent() ? DATA_DIR : SHARED_DATA_DIR;
    Optional<String> text = settings.optional(key);
    if (text.isEmpty()) {
      return DEFAULT_DATA_DIR;
    }
    Path path;
    try {
      path = Path.of(text.get());
    } catch (InvalidPathException e) {
      throw new ConfigException(
          settings.describe(key),
          "expected an absolute directory path but was '" + text.get() + "'");
    }
    if (key.equals(SHARED_DATA_DIR)) {
      return path.toAbsolutePath().resolve("collector"); // the launcher passes ./data
    }
    if (!path.isAbsolute()) {
      throw new ConfigException(
          settings.describe(key),
          "expected an absolute directory path but was '" + text.get() + "'");
    }
    return path;
  }

  private static String hostId(Settings settings) {
    String hostId = settings.optional(HOST_ID).orElseGet(CollectorConfig::hostname);
    try {
      RecordKey.ofHost(hostId);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          settings.describe(HOST_ID),
          "expected a non-empty id without '/' but was '" + hostId + "'");
    }
    if (hostId.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException(
          settings.describe(HOST_ID),
          "expected an id without white space but was '" + hostId + "'");
    }
    return hostId;
  }

  /** The kernel's hostname (what {@code hostname} prints), or the resolver's as a fallback. */
  public static String hostname() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      throw new ConfigException(
          HOST_ID, "not set and the hostname cannot be determined: " + e.getMessage());
    }
  }
}
