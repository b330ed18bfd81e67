package io.porthole.controller.http;

import com.google.protobuf.Timestamp;
import io.porthole.controller.view.ContainerRecord;
import io.porthole.controller.view.HostsView;
import io.porthole.controller.view.Remediation;
import io.porthole.proto.CollectorCounters;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.NetworkAttachment;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.wire.ProtoJson;
import io.porthole.wire.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.TreeMap;

/** The JSON shapes of the API (see openapi.yaml), from the views. */
final class JsonViews {

  private JsonViews() {}

  static JsonObject host(HostsView.Host host, Instant now) {
    JsonObject json =
        new JsonObject()
            .put("hostId", host.hostId())
            .put("lastHeartbeat", host.lastHeartbeat().map(Instant::toString).orElse(null))
            .put("lastEventAt", text(host.lastEventAt()))
            .put("silent", host.silent(now));
    CollectorHeartbeat heartbeat = host.heartbeat();
    if (heartbeat != null) {
      CollectorCounters c = heartbeat.getCounters();
      json.put("kernelVersion", heartbeat.getKernelVersion())
          .put("engineVersion", heartbeat.getEngineVersion())
          .put("engineApiVersion", heartbeat.getEngineApiVersion())
          .put("collectorVersion", heartbeat.getCollectorVersion())
          .put("runningContainers", heartbeat.getRunningContainers())
          .put(
              "drops",
              new JsonObject()
                  .put("pcapDropped", c.getPcapDropped())
                  .put("pcapInterfaceDropped", c.getPcapInterfaceDropped())
                  .put("eventsDroppedBackpressure", c.getEventsDroppedBackpressure())
                  .put("kafkaSendFailures", c.getKafkaSendFailures())
                  .put("flowsEvicted", c.getFlowsEvicted())
                  .put("straceLinesUnparsed", c.getStraceLinesUnparsed()))
          .put("counters", new JsonObject(ProtoJson.toJson(c)))
          .put(
              "degradedSources",
              new JsonObject(new TreeMap<String, Object>(heartbeat.getDegradedSourcesMap())));
    }
    return json;
  }

  static JsonObject container(ContainerRecord c, Instant now) {
    JsonArray addresses = new JsonArray();
    for (NetworkAttachment n : c.networks()) {
      addresses.add(new JsonObject(ProtoJson.toJson(n)));
    }
    JsonObject isolation = null;
    if (c.isolated(now)) {
      isolation =
          new JsonObject()
              .put("interface", c.isolation().hostInterface())
              .put("since", text(c.isolation().since()))
              .put("restoreAt", text(c.isolation().restoreAt()))
              .put("remediationId", c.isolation().commandId())
              .put("reisolatedAt", text(c.isolation().reisolatedAt()))
              .put("enforced", c.isolation().enforced())
              .put("notEnforcedReason", c.isolation().notEnforcedReason())
              .put("notEnforcedSince", text(c.isolation().notEnforcedSince()));
    }
    return new JsonObject()
        .put("id", c.containerId())
        .put("hostId", c.hostId())
        .put("name", c.name())
        .put("image", c.image())
        .put("state", c.state())
        .put("lastAction", c.lastAction())
        .put("updatedAt", text(c.updatedAt()))
        .put("addresses", addresses)
        .put("networkMode", c.networkMode())
        .put("isolated", c.isolated(now))
        .put("isolation", isolation)
        .put("flags", new JsonArray(c.flags()))
        .put("config", c.config() == null ? null : new JsonObject(ProtoJson.toJson(c.config())));
  }

  static JsonObject remediation(Remediation r, Instant now) {
    JsonObject json =
        new JsonObject()
            .put("id", r.id())
            .put("action", r.action().name())
            .put("status", r.status().name());
    RemediationCommand command = r.command();
    RemediationResult result = r.latestResult();
    json.put("detail", result == null ? "" : result.getDetail());
    if (command != null) {
      json.put("hostId", command.getHostId())
          .put("containerId", command.getContainerId())
          .put("containerName", command.getContainerName())
          .put("reason", command.getReason())
          .put("requestedBy", command.getRequestedBy())
          .put("requestedAt", text(command.hasIssuedAt() ? command.getIssuedAt() : null))
          .put("expiresAt", text(command.hasExpiresAt() ? command.getExpiresAt() : null))
          .put(
              "expired",
              result == null
                  && command.hasExpiresAt()
                  && !Timestamps.toInstant(command.getExpiresAt()).isAfter(now))
          .put("dryRun", command.getDryRun())
          .put("ttlSeconds", command.getTtlSeconds())
          .put("durationSeconds", command.getDurationSeconds())
          .put("image", command.getImage())
          .put("path", command.getPath());
    } else if (result != null) {
      json.put("hostId", result.getHostId())
          .put("containerId", result.getContainerId())
          .put("requestedBy", result.getRequestedBy())
          .put("dryRun", result.getDryRun());
    }
    json.put(
            "finishedAt",
            result == null || !r.finished() || !result.hasFinishedAt()
                ? null
                : text(result.getFinishedAt()))
        .put("interface", result == null ? "" : result.getInterface())
        .put(
            "restoreAt",
            result == null || !result.hasRestoreAt() ? null : text(result.getRestoreAt()));
    Remediation.ArtifactInfo artifact = r.artifact();
    json.put(
        "artifact",
        artifact == null
            ? null
            : new JsonObject()
                .put("fileName", artifact.fileName())
                .put("contentType", artifact.contentType())
                .put("totalSize", artifact.totalSize())
                .put("sha256", artifact.sha256())
                .put("chunksReceived", artifact.chunksReceived())
                .put("chunksTotal", artifact.chunksTotal())
                .put("complete", artifact.complete())
                .put("evicted", artifact.evicted()));
    JsonArray events = new JsonArray();
    r.events()
        .forEach(
            e ->
                events.add(
                    new JsonObject()
                        .put("time", text(e.time()))
                        .put("hostId", e.hostId())
                        .put("detail", e.detail())));
    json.put("events", events);
    return json;
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static String text(Timestamp timestamp) {
    return timestamp == null ? null : Timestamps.toInstant(timestamp).toString();
  }
}
