package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import io.porthole.testing.Await;
import io.porthole.testing.TestDocker;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics and health of real services: {@code porthole up} serves every service's meters on the
 * controller's port, readiness lists every service's checks, and the counters move when the engine
 * does something (a container on the host's network raises HOST_NAMESPACES); a standalone {@code
 * porthole analyzer} serves its own endpoint.
 */
class MetricsIT {

  @TempDir Path dataDir;
  private final DockerClient docker = TestDocker.client();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> containers = new ArrayList<>();

  @AfterEach
  void removeContainers() throws Exception {
    for (String id : containers) {
      docker.removeContainerCmd(id).withForce(true).exec();
    }
    docker.close();
  }

  @Test
  void upServesEveryServicesMetricsOnTheControllersPortAndTheyMoveWithRealEvents()
      throws Exception {
    String hostId = "it-metrics-" + UUID.randomUUID().toString().substring(0, 8);
    try (PortholeProcess up =
        PortholeProcess.up(
            Map.of("PORTHOLE_STRACE_BINARY", "/nonexistent/strace"), dataDir, hostId)) {
      String kafka = up.awaitReadyLine("kafka", Duration.ofSeconds(180));
      String controller = up.awaitReadyLine("controller", Duration.ofSeconds(60));

      JsonObject ready =
          new JsonObject(
              eventually(
                      controller + "/health/ready",
                      r -> r.statusCode() == 200,
                      Duration.ofSeconds(90),
                      up)
                  .body());
      assertThat(ready.getJsonObject("checks").fieldNames())
          .contains(
              "kafka",
              "views",
              "collector " + hostId + ": docker events",
              "collector " + hostId + ": kafka producing",
              "analyzer porthole-analyzer: consuming",
              "analyzer porthole-analyzer: producing");

      Map<String, Double> before = Prometheus.parse(get(controller + "/metrics").body());
      assertThat(before.keySet())
          .anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
          .anyMatch(k -> k.startsWith("vertx_"))
          .anyMatch(k -> k.startsWith("kafka_producer_"))
          .anyMatch(k -> k.startsWith("kafka_consumer_fetch_manager_records_lag_max{"))
          .contains(
              "porthole_collector_events_seen_total{source=\"docker\"}",
              "porthole_collector_events_seen_total{source=\"strace\"}",
              "porthole_collector_kafka_send_failures_total",
              "porthole_collector_pcap_dropped_total{where=\"libpcap\"}",
              "porthole_collector_strace_lines_unparsed_total",
              "porthole_analyzer_processing_latency_seconds_count",
              "porthole_controller_records_applied_total",
              "porthole_controller_kafka_send_failures_total",
              "porthole_analyzer_rule_records_silenced_total{rule=\"HOST_NAMESPACES\"}",
              "porthole_analyzer_kafka_send_failures_total",
              "porthole_collector_events_dropped_total{reason=\"backpressure\",source=\"docker\"}",
              "porthole_collector_events_dropped_total{reason=\"backpressure\",source=\"strace\"}",
              "porthole_collector_events_dropped_total{reason=\"backpressure\",source=\"packets\"}",
              "porthole_collector_events_dropped_total{reason=\"unparsed\",source=\"strace\"}",
              "porthole_collector_events_dropped_total{reason=\"libpcap\",source=\"packets\"}",
              "porthole_collector_events_dropped_total{reason=\"overwritten\",source=\"kmsg\"}");
      assertThat(before.keySet())
          .anyMatch(k -> k.startsWith("porthole_analyzer_processing_latency_seconds_bucket{"));

      // A container on the host's network: Docker events, container-events records, a HIGH alert.
      String id =
          docker
              .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
              .withName("porthole-it-metrics-" + hostId)
              .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host"))
              .withCmd("sleep", "600")
              .exec()
              .getId();
      containers.add(id);
      docker.startContainerCmd(id).exec();

      String alertKey =
          "porthole_analyzer_alerts_raised_total{rule=\"HOST_NAMESPACES\",severity=\"high\"}";
      Map<String, Double> after =
          Prometheus.parse(
              eventually(
                      controller + "/metrics",
                      r -> Prometheus.parse(r.body()).getOrDefault(alertKey, 0.0) >= 1,
                      Duration.ofSeconds(60),
                      up)
                  .body());
      String dockerSeen = "porthole_collector_events_seen_total{source=\"docker\"}";
      assertThat(after.get(dockerSeen)).isGreaterThan(before.get(dockerSeen));
      String published =
          "porthole_collector_events_published_total"
              + "{source=\"docker\",topic=\"container-events\"}";
      assertThat(after.get(published)).isGreaterThan(before.getOrDefault(published, 0.0));
      assertThat(after.keySet())
          .anyMatch(
              k ->
                  k.startsWith("porthole_analyzer_records_processed_total{topic=")
                      && k.contains("container-events")
                      && after.get(k) >= 1);
      assertThat(after.get("porthole_analyzer_processing_latency_seconds_count"))
          .isGreaterThanOrEqualTo(1);
      // Records handed to each rule: refreshed from the engine every analyzer tick.
      awaitSample(
          controller,
          (name, value) ->
              name.equals("porthole_analyzer_rule_records_total{rule=\"HOST_NAMESPACES\"}")
                  && value >= 1,
          up);
      // Lag per partition appears once the consumer has fetched from the partition.
      // (the binder picks up a new client metric within its 10 s refresh).
      awaitSample(
          controller, (name, value) -> partitionLag(name) && name.contains("container-events"), up);
      // Every consumer of the process, tagged with its client id. The controller's views (no
      // group, every partition of their topics from the beginning): the lag of each partition.
      awaitSample(
          controller,
          (name, value) ->
              partitionLag(name) && name.contains("client_id=\"porthole-controller-views\""),
          up);
      // The analyzer's heartbeat reader (every partition, no group) and its image stages' group
      // consumer are bound too.
      awaitSample(
          controller,
          (name, value) ->
              partitionLag(name)
                  && name.matches(".*client_id=\"porthole-analyzer-[0-9a-f]{8}-hosts\".*"),
          up);
      // Its lifecycle consumer (no group: the partitions of the group's assignment) likewise.
      awaitSample(
          controller,
          (name, value) ->
              partitionLag(name)
                  && name.contains("container-events")
                  && name.matches(".*client_id=\"porthole-analyzer-[0-9a-f]{8}-priority\".*"),
          up);
      awaitSample(
          controller,
          (name, value) -> hasPartitions(name, value, "porthole-analyzer-image-summaries\""),
          up);
      // The collector's command consumer is bound too, tagged with its client id, and has its
      // partitions. They are empty here: Kafka records a partition's lag from a fetch that returned
      // the partition, which for a group member whose partitions were idle since it positioned
      // them may be the first command's (seen both ways on this machine); the client-level
      // records_lag_max is not reported once other clients report it per partition (Micrometer
      // keeps one set of tags per name).
      awaitSample(
          controller,
          (name, value) ->
              hasPartitions(name, value, "porthole-collector-commands-" + hostId + "\""),
          up);

      // The analyzer alone, against the same Kafka: its own endpoint, ready once it has its
      // partitions.
      try (PortholeProcess analyzer =
          PortholeProcess.start(
              Map.of("PORTHOLE_ANALYZER_GROUP_ID", "it-metrics-alone"),
              List.of(),
              "analyzer",
              "--kafka",
              kafka,
              "--http-port",
              "0",
              "--http-host",
              "127.0.0.1")) {
        // Where it really listens: the port the system chose, not the 0 asked for.
        String base = analyzer.awaitReadyLine("metrics", Duration.ofSeconds(120));
        assertThat(base).as(analyzer.transcript()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(base).doesNotEndWith(":0");
        HttpResponse<String> alone =
            eventually(
                base + "/health/ready",
                r -> r.statusCode() == 200,
                Duration.ofSeconds(90),
                analyzer);
        assertThat(new JsonObject(alone.body()).getJsonObject("checks").fieldNames())
            .containsExactlyInAnyOrder(
                "analyzer it-metrics-alone: consuming", "analyzer it-metrics-alone: producing");
        assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);
        Map<String, Double> own = Prometheus.parse(get(base + "/metrics").body());
        assertThat(own.keySet())
            .contains("porthole_analyzer_rebalances_total")
            .noneMatch(
                k -> k.startsWith("porthole_collector_") || k.startsWith("porthole_controller_"));
        analyzer.terminate();
        analyzer.awaitExit(Duration.ofSeconds(60));
      }
      up.terminate();
      assertThat(up.awaitExit(Duration.ofSeconds(90))).as(up.transcript()).isIn(0, 143);
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A consumer lag series of one partition. */
  private static boolean partitionLag(String name) {
    return name.startsWith("kafka_consumer_fetch_manager_records_lag{")
        && name.contains("partition=\"");
  }

  /** A group consumer's count of assigned partitions, at least one, for a client id prefix. */
  private static boolean hasPartitions(String name, double value, String clientIdPrefix) {
    return name.startsWith(
            "kafka_consumer_coordinator_assigned_partitions{client_id=\"" + clientIdPrefix)
        && value >= 1;
  }

  /** Scrapes {@code base}'s metrics until a sample (name with labels, value) matches. */
  private void awaitSample(
      String base, BiPredicate<String, Double> sample, PortholeProcess process) {
    eventually(
        base + "/metrics",
        r ->
            Prometheus.parse(r.body()).entrySet().stream()
                .anyMatch(e -> sample.test(e.getKey(), e.getValue())),
        Duration.ofSeconds(30),
        process);
  }

  /**
   * Asks {@code url} every 300 ms until {@code done}; fails with the last answer and the
   * transcript.
   */
  private HttpResponse<String> eventually(
      String url, Predicate<HttpResponse<String>> done, Duration limit, PortholeProcess process) {
    return Await.awaiting("an answer from " + url + " as expected", limit)
        .every(Duration.ofMillis(300))
        .withDetail(process::transcript)
        .value(() -> get(url), done, r -> r.statusCode() + " " + r.body());
  }

  /** The Prometheus text format's samples, as {@code name{labels}} to value (labels as written). */
  static final class Prometheus {
    private static final Pattern SAMPLE =
        Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})?) (\\S+)$");

    static Map<String, Double> parse(String text) {
      Map<String, Double> samples = new HashMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        Matcher m = SAMPLE.matcher(line);
        if (!m.matches()) {
          throw new AssertionError("not a Prometheus sample line: " + line);
        }
        samples.put(m.group(1), Double.parseDouble(m.group(3)));
      }
      return samples;
    }
  }
}
