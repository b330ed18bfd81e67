package io.porthole.controller.webhook;

import io.porthole.proto.Alert;
import io.porthole.proto.Severity;
import io.porthole.wire.ProtoJson;
import io.porthole.wire.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.UUID;

/** The bodies a webhook output sends for an alert. */
public final class AlertPayloads {

  public static final String CLOUDEVENT_TYPE = "dev.porthole.alert.v1";
  public static final String CLOUDEVENTS_CONTENT_TYPE =
      "application/cloudevents+json; charset=utf-8";
  public static final String JSON_CONTENT_TYPE = "application/json; charset=utf-8";

  // Falco writes event times with nanoseconds, always nine digits.
  private static final DateTimeFormatter RFC3339_NANOS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);

  private AlertPayloads() {}

  /** The body and its content type for the output's format. */
  public static String body(WebhookSettings.Format format, Alert alert) {
    return switch (format) {
      case CLOUDEVENTS -> cloudEvent(alert).encode();
      case FALCO -> falco(alert).encode();
    };
  }

  public static String contentType(WebhookSettings.Format format) {
    return format == WebhookSettings.Format.CLOUDEVENTS
        ? CLOUDEVENTS_CONTENT_TYPE
        : JSON_CONTENT_TYPE;
  }

  /**
   * A CloudEvents 1.0 event in structured mode: {@code id} is the alert id (later versions of an
   * episode's alert keep it), {@code source} the host, {@code subject} the container, {@code data}
   * the alert in the protobuf JSON mapping of the REST API.
   */
  public static JsonObject cloudEvent(Alert alert) {
    JsonObject event =
        new JsonObject()
            .put("specversion", "1.0")
            .put("id", alert.getAlertId())
            .put("source", "porthole://" + alert.getHostId())
            .put("type", CLOUDEVENT_TYPE);
    String subject = subject(alert);
    if (!subject.isEmpty()) {
      event.put("subject", subject);
    }
    return event
        .put("time", published(alert).toString())
        .put("datacontenttype", "application/json")
        .put("data", new JsonObject(ProtoJson.toJson(alert)));
  }

  /**
   * The JSON Falco writes for an event ({@code json_output: true}), the body falcosidekick expects:
   * {@code output}, {@code priority} (from the severity), {@code rule}, {@code time} (the last
   * event of the episode, RFC 3339 with nanoseconds), {@code output_fields} with Falco's container
   * field names and Porthole's own under {@code porthole.}.
   */
  public static JsonObject falco(Alert alert) {
    Instant time =
        alert.hasLastSeen() ? Timestamps.toInstant(alert.getLastSeen()) : published(alert);
    String priority = priority(alert.getSeverity());
    JsonObject fields =
        new JsonObject()
            .put("container.id", alert.getContainerId())
            .put("container.name", alert.getContainerName())
            .put("container.image", alert.getImage())
            .put("evt.time", Timestamps.toEpochNanos(time))
            .put("porthole.host_id", alert.getHostId())
            .put("porthole.alert_id", alert.getAlertId())
            .put("porthole.severity", alert.getSeverity().name())
            .put("porthole.occurrences", alert.getOccurrences());
    alert.getAttributesMap().forEach((key, value) -> fields.put("porthole." + key, value));
    return new JsonObject()
        .put(
            "uuid",
            UUID.nameUUIDFromBytes(alert.getAlertId().getBytes(StandardCharsets.UTF_8)).toString())
        .put("output", output(alert, time, priority))
        .put("priority", priority)
        .put("rule", alert.getRule().name())
        .put("time", RFC3339_NANOS.format(time))
        .put("source", "porthole")
        .put("hostname", alert.getHostId())
        .put(
            "tags",
            new JsonArray().add("porthole").add(alert.getRule().name().toLowerCase(Locale.ROOT)))
        .put("output_fields", fields);
  }

  /** Falco's priority for a severity (Falco has no INFO/LOW: the nearest below). */
  public static String priority(Severity severity) {
    return switch (severity) {
      case CRITICAL -> "Critical";
      case HIGH -> "Error";
      case MEDIUM -> "Warning";
      case LOW -> "Notice";
      default -> "Informational";
    };
  }

  private static String output(Alert alert, Instant time, String priority) {
    StringBuilder output =
        new StringBuilder()
            .append(
                DateTimeFormatter.ofPattern("HH:mm:ss.nnnnnnnnn")
                    .withZone(ZoneOffset.UTC)
                    .format(time))
            .append(": ")
            .append(priority)
            .append(' ')
            .append(alert.getTitle())
            .append(" (host=")
            .append(alert.getHostId());
    if (!alert.getContainerId().isEmpty()) {
      output
          .append(" container=")
          .append(subject(alert))
          .append(" image=")
          .append(alert.getImage());
    }
    return output.append(" rule=").append(alert.getRule().name()).append(')').toString();
  }

  private static String subject(Alert alert) {
    return alert.getContainerName().isEmpty() ? alert.getContainerId() : alert.getContainerName();
  }

  private static Instant published(Alert alert) {
    if (alert.hasPublishedAt()) {
      return Timestamps.toInstant(alert.getPublishedAt());
    }
    return alert.hasLastSeen() ? Timestamps.toInstant(alert.getLastSeen()) : Instant.EPOCH;
  }
}
