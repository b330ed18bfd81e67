package io.porthole.bench;

import io.porthole.analyzer.engine.AnalysisEngine;
import io.porthole.analyzer.engine.EngineLimits;
import io.porthole.analyzer.rules.OomKilledRule;
import io.porthole.controller.ControllerService;
import io.porthole.proto.Alert;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.security.CommandKeys;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The controller figure: wrk on loopback against {@code GET /api/v1/alerts?limit=50} of a real
 * {@link ControllerService} (views loaded from the broker's topics), then against a bare vertx-web
 * route in the same JVM returning the same bytes. Usage: {@code controller BOOTSTRAP PREFIX SECONDS
 * ITERATIONS}.
 *
 * <p>The alerts are those of the latency figure (its topics, PREFIX) when it ran before; when it
 * did not ({@code bench/run --only controller}), the driver publishes {@value #ALERTS} OOM alerts
 * itself, made by the analyzer's own engine and OOM rule from the die events the latency figure
 * sends.
 */
final class ControllerBench {

  private static final Pattern REQUESTS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final String TOKEN = "bench-viewer-token-0123456789";
  private static final int ALERTS = 50;

  private ControllerBench() {}

  static void run(Results results, String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    int seconds = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    long published = ensureAlerts(bootstrap, TopicNames.withPrefix(prefix));
    Vertx vertx = Vertx.vertx();
    Map<String, String> values = new HashMap<>();
    values.put(KafkaSettings.BOOTSTRAP_KEY, bootstrap);
    values.put("topic.prefix", prefix);
    values.put("http.host", "127.0.0.1");
    values.put("http.port", "0");
    values.put("viewer.token", TOKEN);
    values.put("operator.token", "bench-operator-token-0123456789");
    Path keys = Files.createTempDirectory("porthole-bench-keys");
    CommandKeys.writePair(keys.resolve("command-signing.pem"), keys.resolve("command-verify.pem"));
    values.put("command.signing.key.file", keys.resolve("command-signing.pem").toString());
    ControllerService controller = ControllerService.create(vertx, Settings.of(values));
    controller.start().await();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!controller.ready() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    String url = "http://127.0.0.1:" + controller.actualPort() + "/api/v1/alerts?limit=50";
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          url
              + " answered "
              + response.statusCode()
              + ": "
              + new String(response.body(), StandardCharsets.UTF_8));
    }
    byte[] body = response.body();
    String contentType = response.headers().firstValue("content-type").orElse("application/json");
    int alerts = new String(body, StandardCharsets.UTF_8).split("\"alertId\"", -1).length - 1;
    if (alerts < ALERTS) {
      throw new IllegalStateException(url + " returned " + alerts + " alerts, expected " + ALERTS);
    }
    results.info(
        "controller.response",
        body.length
            + " bytes, "
            + alerts
            + " alerts ("
            + (published == 0
                ? "the alerts of the latency figure"
                : "OOM alerts published by this driver, the latency figure did not run")
            + ")");

    Router router = Router.router(vertx);
    Buffer same = Buffer.buffer(body);
    router
        .get("/api/v1/alerts")
        .handler(ctx -> ctx.response().putHeader("content-type", contentType).end(same));
    HttpServer bare =
        vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    String bareUrl = "http://127.0.0.1:" + bare.actualPort() + "/api/v1/alerts?limit=50";

    List<Double> real = new ArrayList<>();
    List<Double> ceiling = new ArrayList<>();
    wrk(url, 2);
    wrk(bareUrl, 2);
    for (int i = 0; i < iterations; i++) {
      real.add(wrk(url, seconds));
      ceiling.add(wrk(bareUrl, seconds));
    }
    results.measured("controller.alerts", "requests/s", real);
    results.measured("controller.bare", "requests/s", ceiling);
    results.info(
        "controller.how",
        "wrk -t1 -c16 -d"
            + seconds
            + "s on 127.0.0.1, alternating controller and bare route,"
            + " one short warm-up each; ControllerService and the bare vertx-web route in "
            + "the same JVM (flags "
            + KafkaDrivers.jvmFlags()
            + ")");
    bare.close().await();
    controller.stop().await();
    vertx.close().await();
  }

  /**
   * Tops the alerts topic up to {@value #ALERTS} records (none when the latency figure filled it):
   * the OOM_KILLED alerts the analyzer's engine raises for OOM deaths shaped as the latency
   * figure's, stamped and keyed as the analyzer publishes them.
   *
   * @return how many alerts this driver published
   */
  private static long ensureAlerts(String bootstrap, TopicNames names) throws Exception {
    String topic = names.name(Topic.ALERTS);
    KafkaDrivers.createTopics(bootstrap, names, Topic.ALERTS);
    long present = 0;
    try (Admin admin = KafkaDrivers.admin(bootstrap)) {
      Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
      for (int p = 0;
          p
              < admin
                  .describeTopics(List.of(topic))
                  .allTopicNames()
                  .get()
                  .get(topic)
                  .partitions()
                  .size();
          p++) {
        ends.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      for (var end : admin.listOffsets(ends).all().get().values()) {
        present += end.offset();
      }
    }
    long missing = Math.max(0, ALERTS - present);
    if (missing == 0) {
      return 0;
    }
    AnalysisEngine engine =
        new AnalysisEngine(
            EngineLimits.defaults(), List.of(new OomKilledRule(OomKilledRule.Config.defaults())));
    Map<String, Object> config =
        new HashMap<>(KafkaSettings.of(bootstrap).producerConfig("bench-controller-alerts"));
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (long n = 0; n < missing; n++) {
        String container = String.format("%064x", 0xDEAD000000000L + n);
        EventEnvelope die = Events.oomDie(container, "bench-oom-" + (n + 1), Instant.now());
        for (Alert alert : engine.onEvent(Topic.CONTAINER_EVENTS, die, Instant.now())) {
          Alert stamped = alert.toBuilder().setPublishedAt(Timestamps.now()).build();
          producer
              .send(
                  new ProducerRecord<>(
                      topic,
                      stamped.getHostId() + "/" + stamped.getContainerId(),
                      stamped.toByteArray()))
              .get();
        }
      }
    }
    return missing;
  }

  private static double wrk(String url, int seconds) throws Exception {
    Process process =
        new ProcessBuilder(
                "wrk",
                "-t1",
                "-c16",
                "-d" + seconds + "s",
                "-H",
                "Authorization: Bearer " + TOKEN,
                url)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    Matcher matcher = REQUESTS.matcher(output);
    if (!matcher.find() || output.contains("Non-2xx")) {
      throw new IllegalStateException("wrk against " + url + " failed: " + output);
    }
    return Double.parseDouble(matcher.group(1));
  }
}
