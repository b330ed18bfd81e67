package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.FlowFacts;
import io.porthole.proto.Alert;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowDirection;
import io.porthole.proto.FlowRecord;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.proto.TcpFlagCounts;
import io.porthole.wire.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * S3/S4: a container's connection attempts to one destination fail repeatedly: SYNs that got no
 * SYN-ACK (unanswered, or answered by RST). Fires when {@link Config#threshold} failed attempts
 * fall within {@link Config#window}; the episode goes on (updated) while failures keep coming
 * within the window, and a new one starts after a quiet window.
 */
public final class ConnectionFailuresRule implements DetectionRule {

  /** Configuration: {@code rule.connection.failures.*}. */
  public record Config(RuleSettings settings, int threshold, Duration window) {
    public Config {
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(window, "window");
      if (threshold < 1) {
        throw new IllegalArgumentException("threshold must be at least 1");
      }
    }

    public static Config defaults() {
      return new Config(RuleSettings.enabled(Severity.MEDIUM), 3, Duration.ofSeconds(60));
    }
  }

  private static final int MAX_DESTINATIONS = 256;

  private record Attempt(Instant time, String eventId, String line) {}

  private static final class Destination {
    final ArrayDeque<Attempt> attempts = new ArrayDeque<>();
    Episode episode;
    Instant lastFailure;
    int refused;
    int unanswered;
  }

  private final Config config;

  public ConnectionFailuresRule(Config config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public Rule id() {
    return Rule.CONNECTION_FAILURES;
  }

  /** Only failed connection attempts: first records of TCP flows whose SYN got no SYN-ACK. */
  @Override
  public boolean mayUseFlow(FlowFacts facts) {
    return facts.unansweredTcpAttempt();
  }

  @Override
  public void onFlow(ContainerState container, EventEnvelope event, List<Alert> out) {
    FlowRecord flow = event.getFlow();
    if (!mayUseFlow(FlowFacts.of(flow)) || !initiatedByContainer(flow)) {
      return;
    }
    TcpFlagCounts flags = flow.getTcpFlags();
    boolean refused = flags.getRstFromDestination() > 0 || flags.getRst() > 0;
    String target = flow.getDestinationAddress() + ":" + flow.getDestinationPort();
    Map<String, Destination> destinations =
        container.ruleState(Rule.CONNECTION_FAILURES, LinkedHashMap::new);
    Destination destination = destinations.get(target);
    if (destination == null) {
      if (destinations.size() >= MAX_DESTINATIONS) {
        destinations.remove(destinations.keySet().iterator().next());
      }
      destination = new Destination();
      destinations.put(target, destination);
    }
    Instant time = Events.time(flow.hasFirstSeen() ? flow.getFirstSeen() : event.getTime());
    String line =
        flow.getSourceAddress()
            + ":"
            + flow.getSourcePort()
            + " -> "
            + target
            + ": "
            + flags.getSyn()
            + " SYN, no SYN-ACK"
            + (refused ? ", answered by RST (refused)" : " (unanswered)");
    if (destination.episode != null
        && destination.lastFailure.plus(config.window()).isBefore(time)) {
      destination.episode = null;
      destination.refused = 0;
      destination.unanswered = 0;
    }
    destination.lastFailure = time;
    if (refused) {
      destination.refused++;
    } else {
      destination.unanswered++;
    }
    if (destination.episode != null) {
      destination.episode.occurred(time).evidence(time, line, Topic.FLOWS, event.getEventId());
      out.add(describe(destination, container, target).snapshot());
      return;
    }
    destination.attempts.add(new Attempt(time, event.getEventId(), line));
    while (destination.attempts.peek().time().isBefore(time.minus(config.window()))) {
      destination.attempts.poll();
    }
    if (destination.attempts.size() >= config.threshold()) {
      Attempt first = destination.attempts.peek();
      destination.episode =
          Episode.forContainer(
                  Rule.CONNECTION_FAILURES,
                  config.settings().severity(),
                  container,
                  target + "@" + first.eventId())
              .attribute("destination", target);
      for (Attempt attempt : destination.attempts) {
        destination
            .episode
            .occurred(attempt.time())
            .evidence(attempt.time(), attempt.line(), Topic.FLOWS, attempt.eventId());
      }
      destination.attempts.clear();
      out.add(describe(destination, container, target).snapshot());
    }
  }

  private static boolean initiatedByContainer(FlowRecord flow) {
    return flow.getDirection() == FlowDirection.OUTBOUND
        || (flow.getDirection() == FlowDirection.FLOW_DIRECTION_UNSPECIFIED
            && flow.getContainerAddress().equals(flow.getSourceAddress()));
  }

  private Episode describe(Destination destination, ContainerState container, String target) {
    String how =
        destination.refused > 0 && destination.unanswered > 0
            ? destination.refused + " refused (RST) and " + destination.unanswered + " unanswered"
            : destination.refused > 0
                ? destination.refused + " refused (RST)"
                : destination.unanswered + " unanswered";
    return destination
        .episode
        .container(container)
        .attribute("refused", String.valueOf(destination.refused))
        .attribute("unanswered", String.valueOf(destination.unanswered))
        .title("Container " + container.displayName() + " cannot connect to " + target)
        .summary(
            "Container "
                + container.displayName()
                + " tried to connect to "
                + target
                + " "
                + destination.episode.occurrences()
                + " times without a SYN-ACK ("
                + how
                + "). Refused connections mean "
                + "nothing listens on that port; unanswered ones mean a firewall, a wrong "
                + "address or a peer that is down.")
        .remediation(
            RemediationAction.CAPTURE_PACKETS,
            "Capture the container's packets to see where the connection attempts go and "
                + "what answers them.");
  }
}
