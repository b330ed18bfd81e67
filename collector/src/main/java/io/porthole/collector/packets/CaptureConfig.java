package io.porthole.collector.packets;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Configuration of the packet flow source ({@code capture.*} keys, or {@code PORTHOLE_CAPTURE_*}).
 *
 * @param enabled capture at all
 * @param interfaces interface names; an entry ending in {@code *} is a prefix ({@code br-*}: every
 *     user-defined Docker bridge present at start)
 * @param filter BPF filter expression (tcpdump syntax); empty (configured as {@code all}) captures
 *     every frame
 * @param snaplen bytes captured per packet
 * @param bufferBytes libpcap's kernel ring size per interface
 */
public record CaptureConfig(
    boolean enabled,
    List<String> interfaces,
    String filter,
    int snaplen,
    int bufferBytes,
    Duration flushInterval,
    Duration idleTimeout,
    int maxFlows,
    int excerptBytes) {

  public static final String ENABLED = "capture.enabled";
  public static final String INTERFACES = "capture.interfaces";
  public static final String FILTER = "capture.filter";
  public static final String SNAPLEN = "capture.snaplen";
  public static final String BUFFER_BYTES = "capture.buffer.bytes";
  public static final String FLUSH_INTERVAL = "capture.flush.interval";
  public static final String IDLE_TIMEOUT = "capture.idle.timeout";
  public static final String MAX_FLOWS = "capture.max.flows";
  public static final String EXCERPT_BYTES = "capture.excerpt.bytes";

  public static final List<String> DEFAULT_INTERFACES = List.of("docker0");
  public static final String DEFAULT_FILTER = "ip or ip6";

  /** The {@code capture.filter} value that turns filtering off (every frame is captured). */
  public static final String NO_FILTER = "all";

  /** Headers room that {@code capture.snaplen} must leave beyond the excerpt. */
  public static final int HEADER_ROOM = 128;

  private static final Pattern INTERFACE =
      Pattern.compile("[A-Za-z0-9_.:@-]{1,15}\\*?|[A-Za-z0-9_.:@-]{0,14}\\*");

  public CaptureConfig {
    interfaces = List.copyOf(interfaces);
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(flushInterval, "flushInterval");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
  }

  public static CaptureConfig from(Settings settings) {
    boolean enabled = settings.bool(ENABLED, true);
    List<String> interfaces = settings.list(INTERFACES, DEFAULT_INTERFACES);
    if (enabled && interfaces.isEmpty()) {
      throw new ConfigException(
          settings.describe(INTERFACES),
          "expected at least one interface name (e.g. docker0,br-*)");
    }
    for (String name : interfaces) {
      if (!INTERFACE.matcher(name).matches()) {
        throw new ConfigException(
            settings.describe(INTERFACES),
            "expected interface names of up to 15 letters, digits or _.:@- (a trailing * "
                + "for a prefix) but got '"
                + name
                + "'");
      }
    }
    String filter = settings.string(FILTER, DEFAULT_FILTER);
    if (filter.equalsIgnoreCase(NO_FILTER)) {
      filter = "";
    }
    int snaplen = settings.integer(SNAPLEN, 1024, 64, 262_144);
    int bufferBytes =
        settings.integer(BUFFER_BYTES, 8 * 1024 * 1024, 1024 * 1024, 1024 * 1024 * 1024);
    Duration flush =
        settings.duration(
            FLUSH_INTERVAL, Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(5));
    Duration idle =
        settings.duration(
            IDLE_TIMEOUT, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(24));
    if (idle.compareTo(flush) < 0) {
      throw new ConfigException(
          settings.describe(IDLE_TIMEOUT),
          "expected at least "
              + settings.describe(FLUSH_INTERVAL)
              + " ("
              + flush.toMillis()
              + "ms) but was "
              + idle.toMillis()
              + "ms");
    }
    int maxFlows = settings.integer(MAX_FLOWS, 65_536, 16, FlowTableSettings.MAX_FLOWS_LIMIT);
    int excerpt = settings.integer(EXCERPT_BYTES, 256, 0, FlowTableSettings.MAX_EXCERPT_BYTES);
    if (snaplen < excerpt + HEADER_ROOM) {
      throw new ConfigException(
          settings.describe(SNAPLEN),
          "expected at least "
              + (excerpt + HEADER_ROOM)
              + " ("
              + settings.describe(EXCERPT_BYTES)
              + " "
              + excerpt
              + " plus "
              + HEADER_ROOM
              + " bytes of headers) but was "
              + snaplen);
    }
    return new CaptureConfig(
        enabled, interfaces, filter, snaplen, bufferBytes, flush, idle, maxFlows, excerpt);
  }

  public FlowTableSettings flowTable() {
    return new FlowTableSettings(flushInterval, idleTimeout, maxFlows, excerptBytes);
  }
}
