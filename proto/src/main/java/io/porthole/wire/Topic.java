package io.porthole.wire;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ImageSummary;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The topics of Porthole, each with the protobuf message its values carry. Names are versioned: a
 * change of contract that is not backward compatible gets a new topic.
 */
public enum Topic {
  CONTAINER_EVENTS("porthole.container-events.v1", EventEnvelope.parser(), DeliveryClass.TELEMETRY),
  FLOWS("porthole.flows.v1", EventEnvelope.parser(), DeliveryClass.TELEMETRY),
  SYSCALLS("porthole.syscalls.v1", EventEnvelope.parser(), DeliveryClass.TELEMETRY),
  // Telemetry: counters in a heartbeat are cumulative, so the next one carries what a dropped one
  // said, and a host whose heartbeats stop is itself reported (HOST_SILENT).
  HEARTBEATS("porthole.heartbeats.v1", CollectorHeartbeat.parser(), DeliveryClass.TELEMETRY),
  ALERTS("porthole.alerts.v1", Alert.parser(), DeliveryClass.CONTROL),
  COMMANDS("porthole.commands.v1", RemediationCommand.parser(), DeliveryClass.CONTROL),
  COMMAND_RESULTS("porthole.command-results.v1", RemediationResult.parser(), DeliveryClass.CONTROL),
  /**
   * The analyzer's per-(image, host) outcome summaries, keyed by image id (see docs/divergence.md).
   * Telemetry: each summary is republished whole when it changes, so the next one replaces a
   * dropped one.
   */
  IMAGE_SUMMARIES("porthole.image-summaries.v1", ImageSummary.parser(), DeliveryClass.TELEMETRY),
  /** Raw bytes of undecodable or poison records, with headers naming their origin. */
  DEAD_LETTERS("porthole.dead-letters.v1", null, DeliveryClass.CONTROL);

  /** How a producer treats a topic's records under back-pressure (docs/delivery.md). */
  public enum DeliveryClass {
    /**
     * May be dropped when the producer's buffer is full; every drop is counted once and reported.
     */
    TELEMETRY,
    /**
     * Never dropped silently: own bounded buffer, retried with back-off until acknowledged or a
     * deadline.
     */
    CONTROL
  }

  private static final String PREFIX = "porthole.";
  private static final String SUFFIX = ".v1";

  private final String topicName;
  private final Parser<? extends Message> parser;
  private final DeliveryClass deliveryClass;

  Topic(String topicName, Parser<? extends Message> parser, DeliveryClass deliveryClass) {
    this.topicName = topicName;
    this.parser = parser;
    this.deliveryClass = deliveryClass;
  }

  /**
   * Whether this topic's records may be dropped under back-pressure (telemetry) or not (control).
   */
  public DeliveryClass deliveryClass() {
    return deliveryClass;
  }

  /** The Kafka topic name, e.g. {@code porthole.flows.v1}. */
  public String topicName() {
    return topicName;
  }

  /**
   * The parser of this topic's values; empty for the dead-letter topic, whose values are raw bytes.
   */
  public Optional<Parser<? extends Message>> parser() {
    return Optional.ofNullable(parser);
  }

  /** The three event topics, which are co-partitioned by key. */
  public static Topic[] eventTopics() {
    return new Topic[] {CONTAINER_EVENTS, FLOWS, SYSCALLS};
  }

  /** Looks a topic up by its full name. */
  public static Optional<Topic> ofName(String topicName) {
    return Arrays.stream(values()).filter(t -> t.topicName.equals(topicName)).findFirst();
  }

  /**
   * Resolves what a person typed: the full name ({@code porthole.flows.v1}), the short name ({@code
   * flows}, {@code command-results}) or the enum name ({@code COMMAND_RESULTS}).
   *
   * @throws IllegalArgumentException naming the known topics when nothing matches
   */
  public static Topic parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("topic: empty; expected one of " + shortNames());
    }
    String wanted = text.trim();
    for (Topic topic : values()) {
      if (topic.topicName.equals(wanted)
          || topic.shortName().equals(wanted.toLowerCase(Locale.ROOT))
          || topic.name().equalsIgnoreCase(wanted)) {
        return topic;
      }
    }
    throw new IllegalArgumentException(
        "topic: unknown topic '" + text + "'; expected one of " + shortNames());
  }

  /** The name without the {@code porthole.} prefix and {@code .v1} suffix, e.g. {@code flows}. */
  public String shortName() {
    return topicName.substring(PREFIX.length(), topicName.length() - SUFFIX.length());
  }

  private static String shortNames() {
    return String.join(", ", Arrays.stream(values()).map(Topic::shortName).toList());
  }

  @Override
  public String toString() {
    return topicName;
  }
}
