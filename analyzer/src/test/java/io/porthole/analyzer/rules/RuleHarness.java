package io.porthole.analyzer.rules;

import io.porthole.analyzer.Fixtures;
import io.porthole.analyzer.engine.AnalysisEngine;
import io.porthole.analyzer.engine.EngineLimits;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Feeds recorded sequences to an engine running the rules under test and keeps every alert. */
final class RuleHarness {

  final AnalysisEngine engine;
  final List<Alert> alerts = new ArrayList<>();
  Instant now = Fixtures.T0;

  RuleHarness(DetectionRule... rules) {
    engine = new AnalysisEngine(EngineLimits.defaults(), List.of(rules));
  }

  List<Alert> feed(EventEnvelope event) {
    Topic topic =
        switch (event.getBodyCase()) {
          case CONTAINER_EVENT -> Topic.CONTAINER_EVENTS;
          case SYSCALLS -> Topic.SYSCALLS;
          case FLOW -> Topic.FLOWS;
          default -> throw new IllegalArgumentException("no body");
        };
    List<Alert> raised = engine.onEvent(topic, event, now);
    alerts.addAll(raised);
    return raised;
  }

  List<Alert> heartbeat(CollectorHeartbeat heartbeat) {
    List<Alert> raised = engine.onHeartbeat(heartbeat, now);
    alerts.addAll(raised);
    return raised;
  }

  List<Alert> tick(Instant at) {
    now = at;
    List<Alert> raised = engine.tick(at);
    alerts.addAll(raised);
    return raised;
  }

  /** The latest version of each alert, by id. */
  Map<String, Alert> latest() {
    Map<String, Alert> result = new LinkedHashMap<>();
    alerts.forEach(a -> result.put(a.getAlertId(), a));
    return result;
  }
}
