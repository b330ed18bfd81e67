package io.porthole.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.HostConfig;
import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.collector.DockerClients;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Rule;
import io.porthole.runtime.KafkaSettings;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.Closeable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.record.TimestampType;

/**
 * The OOM figure: against a running {@code porthole up} (its own process, the real engine), N
 * containers of {@code porthole/busybox:test} with a 16 MiB limit are OOM-killed by the kernel; for
 * each, the engine's die event time ({@code timeNano} of the events API) is compared with the
 * moment the alert's event arrives on the controller's alert stream ({@code GET
 * /api/v1/alerts/stream}, what the console shows). One warm-up death is not counted. To say where
 * the time goes, a plain consumer reads the run's container-events and alerts topics and reports
 * each stage: collector envelope built, die record appended by the broker, alert published by the
 * analyzer, alert record appended (the driver sets both topics to keep LogAppendTime); and {@code
 * GET /api/v1/alerts?container=ID&rule=OOM_KILLED}, polled every 10 ms with the operator token,
 * says when the alert could be read there.
 *
 * <p>Usage: {@code oom UP_STDOUT UP_PID UP_STARTED_EPOCH_MS TOPIC_PREFIX NAME_PREFIX REPETITIONS},
 * started right after {@code porthole up}; UP_STDOUT is where it prints its ready lines (operator
 * token, Kafka and controller addresses).
 */
final class OomToAlert {

  private static final String IMAGE = "porthole/busybox:test";
  private static final String LABEL = "porthole.bench.oom";
  private static final long MEMORY = 16L << 20;
  private static final Duration POLL = Duration.ofMillis(10);
  private static final Duration ALERT_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern TOKEN =
      Pattern.compile("^operator token: (\\S+) ", Pattern.MULTILINE);
  private static final Pattern CONTROLLER =
      Pattern.compile("^controller: (http://\\S+)$", Pattern.MULTILINE);
  private static final Pattern KAFKA = Pattern.compile("^kafka: (\\S+)$", Pattern.MULTILINE);
  private static final Pattern RUNNING = Pattern.compile("^running: (.*)$", Pattern.MULTILINE);
  private static final Duration UP_TIMEOUT = Duration.ofSeconds(120);

  /**
   * One OOM death and its times: {@code *Nanos} in epoch nanoseconds, {@code *Millis} in epoch
   * milliseconds (Kafka's).
   */
  private static final class Death {
    final String name;
    volatile String id;
    volatile long oomNanos;
    volatile long dieNanos;

    /**
     * When this driver's own events stream delivered the die: the engine's delivery delay, for
     * reference.
     */
    volatile long dieReceivedNanos;

    volatile long collectorNanos;
    volatile long dieRecordMillis;
    volatile long alertPublishedNanos;
    volatile long alertRecordMillis;

    /** When the bench's own group-less consumer was handed the alert record. */
    volatile long alertReadNanos;

    /** When the bench's own group-less consumer was handed the die record. */
    volatile long dieReadNanos;

    /** When the alert's event arrived on the controller's alert stream: the figure. */
    volatile long streamNanos;

    /** When a GET /api/v1/alerts poll first returned the alert. */
    long seenNanos;

    int polls;

    /** Wall time of the driver's own steps, to account for the run's length. */
    long createMs;

    long startMs;

    /** From the start call's return to the alert seen. */
    long pollMs;

    long removeMs;

    Death(String name) {
      this.name = name;
    }
  }

  /** A container-events envelope of any container on the host, as the collector built it. */
  private record Built(long eventNanos, long collectorNanos, String what) {}

  private final Map<String, Death> byId = new ConcurrentHashMap<>();

  /**
   * Every container-events envelope of the run, in the order read: what the collector's ordered
   * worker did.
   */
  private final List<Built> built = Collections.synchronizedList(new ArrayList<>());

  /** The reader of the run's topics, started once the controller is ready. */
  private StageReader stages;

  /** The controller's alert stream, open from the controller's readiness to the end. */
  private AlertStreamReader alertStream;

  private OomToAlert() {}

  static void run(Results results, String[] args) throws Exception {
    try {
      new OomToAlert()
          .measure(
              results,
              Path.of(args[0]),
              Long.parseLong(args[1]),
              Long.parseLong(args[2]),
              args[3],
              args[4],
              Integer.parseInt(args[5]),
              args.length > 6 ? Integer.parseInt(args[6]) : 0);
    } catch (Exception e) {
      results.notMeasured("oom.p99", String.valueOf(e.getMessage()));
      throw e;
    }
  }

  /** Seconds of flow load before the first death of the loaded series: the analyzer's warm-up. */
  private static final int LOAD_WARMUP_SECONDS = 10;

  /**
   * Started together with {@code porthole up}: what does not need it (JVM, docker-java, the
   * engine's events stream) gets ready while it starts.
   */
  private void measure(
      Results results,
      Path upStdout,
      long upPid,
      long upStartedMillis,
      String topicPrefix,
      String namePrefix,
      int repetitions,
      int loadRate)
      throws Exception {
    DockerClient docker =
        DockerClients.create(DockerClients.DEFAULT_DOCKER_HOST, Duration.ofSeconds(30));
    DockerClient eventsClient =
        DockerClients.create(DockerClients.DEFAULT_DOCKER_HOST, Duration.ZERO);
    // Interrupted (Ctrl-C, the runner stopping): the containers still go, by id.
    Thread removeOnSignal =
        new Thread(
            () -> byId.values().forEach(d -> removeQuietly(docker, d.id)), "bench-oom-cleanup");
    Runtime.getRuntime().addShutdownHook(removeOnSignal);
    Closeable events = followEngineEvents(eventsClient, namePrefix);
    List<Death> measured = new ArrayList<>();
    Death warmup = null;
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String printed = awaitPrinted(upStdout, upPid);
      long printedMillis = System.currentTimeMillis();
      String token = group(TOKEN, printed, "operator token");
      String controller = group(CONTROLLER, printed, "controller address");
      String bootstrap = group(KAFKA, printed, "Kafka address");
      say("porthole up is running; waiting for " + controller + "/health/ready");
      awaitReady(http, controller);
      results.info(
          "oom.startup",
          String.format(
              Locale.ROOT,
              "porthole up printed its ready lines %.1f s after it was"
                  + " launched; /health/ready answered 200 %.1f s after that",
              (printedMillis - upStartedMillis) / 1e3,
              (System.currentTimeMillis() - printedMillis) / 1e3));
      stages = new StageReader(bootstrap, TopicNames.withPrefix(topicPrefix));
      stages.start();
      alertStream =
          new AlertStreamReader(http, controller, token, this::onStreamedAlert)
              .start(Duration.ofSeconds(10));
      say(
          "controller ready; reading the stages from the "
              + topicPrefix
              + " topics; first container");
      warmup = deaths(docker, http, controller, token, namePrefix, "-", repetitions, measured);
      stages.awaitStages(new ArrayList<>(byId.values()), Duration.ofSeconds(5));
      // Reported now: a failure of the loaded series must not cost the idle figure.
      report(results, "oom", measured, warmup, repetitions);
      if (loadRate > 0) {
        loadedSeries(
            results,
            new Suite(docker, http, controller, token, bootstrap, topicPrefix, namePrefix, upPid),
            repetitions,
            loadRate);
      }
    } finally {
      if (alertStream != null) {
        alertStream.close();
      }
      if (stages != null) {
        stages.stop();
      }
      events.close();
      for (Death death : byId.values()) {
        removeQuietly(docker, death.id);
      }
      Runtime.getRuntime().removeShutdownHook(removeOnSignal);
      docker.close();
      eventsClient.close();
    }
    results.info(
        "oom.records",
        "records on the run's topics at the end (offsets; the collector sees the whole host: other"
            + " containers' events, packet flows on docker0, heartbeats): "
            + stages.recordCounts());
  }

  /** The running {@code porthole up} and what the driver reaches it with. */
  private record Suite(
      DockerClient docker,
      HttpClient http,
      String controller,
      String token,
      String bootstrap,
      String topicPrefix,
      String namePrefix,
      long upPid) {}

  /**
   * The same deaths while the suite's analyzer works through packet flows of synthetic containers
   * at the asked rate, on the run's flows topic; a death whose alert does not come makes the figure
   * not measured, with the load that was reached.
   */
  private void loadedSeries(Results results, Suite suite, int repetitions, int loadRate)
      throws Exception {
    List<Death> measured = new ArrayList<>();
    Death warmup = null;
    IllegalStateException failed = null;
    FlowLoadProcess flows =
        FlowLoadProcess.start(
            suite.bootstrap(),
            TopicNames.withPrefix(suite.topicPrefix()).name(Topic.FLOWS),
            loadRate);
    // Who used the machine's cores while the series ran (the broker is the rest).
    MachineCpu cpu = new MachineCpu();
    ProcessHandle.of(suite.upPid()).ifPresent(p -> cpu.watch("porthole up", p));
    ProcessHandle.of(flows.pid()).ifPresent(p -> cpu.watch("the flow load's JVM", p));
    cpu.watch("this driver (alert stream, stage consumer, engine events)", ProcessHandle.current());
    MachineCpu.Snapshot cpuFrom = null;
    MachineCpu.Snapshot cpuTo = null;
    try {
      say("flow load at " + loadRate + " flows/s; " + LOAD_WARMUP_SECONDS + " s of warm-up");
      Thread.sleep(TimeUnit.SECONDS.toMillis(LOAD_WARMUP_SECONDS));
      cpuFrom = cpu.snapshot();
      warmup =
          deaths(
              suite.docker(),
              suite.http(),
              suite.controller(),
              suite.token(),
              suite.namePrefix(),
              "-l",
              repetitions,
              measured);
      cpuTo = cpu.snapshot();
    } catch (IllegalStateException e) {
      failed = e;
    } finally {
      flows.close();
    }
    if (failed != null) {
      results.notMeasured(
          "oom_loaded.p99",
          String.format(
              Locale.ROOT,
              "%s (under %.0f flows/s achieved of %d/s asked, after %d measured deaths)",
              failed.getMessage(),
              flows.achievedRate(),
              loadRate,
              measured.size()));
      return;
    }
    String load =
        String.format(
            Locale.ROOT,
            "%d flows sent (%.0f/s achieved of %d/s asked: 50%% of the analyzer capacity"
                + " measured in this run) into the run's flows topic from %d s before the"
                + " first death of the series to its last, by a JVM of its own",
            flows.sent(),
            flows.achievedRate(),
            loadRate,
            LOAD_WARMUP_SECONDS);
    stages.awaitStages(new ArrayList<>(byId.values()), Duration.ofSeconds(5));
    report(results, "oom_loaded", measured, warmup, repetitions);
    results.info("oom_loaded.load", load);
    results.info(
        "oom_loaded.machine_cpu",
        "the series (its deaths, after the load's warm-up): "
            + MachineCpu.describe(cpuFrom, cpuTo, Runtime.getRuntime().availableProcessors()));
  }

  /** One warm-up death and {@code repetitions} measured ones, one at a time; the warm-up. */
  private Death deaths(
      DockerClient docker,
      HttpClient http,
      String controller,
      String token,
      String namePrefix,
      String series,
      int repetitions,
      List<Death> measured)
      throws Exception {
    Death warmup = null;
    for (int i = 0; i <= repetitions; i++) {
      Death death = once(docker, http, controller, token, namePrefix + series + i, namePrefix);
      say(
          String.format(
              Locale.ROOT,
              "%s: alert on the stream %.0f ms after the die event, on GET %.0f ms",
              death.name,
              (death.streamNanos - death.dieNanos) / 1e6,
              (death.seenNanos - death.dieNanos) / 1e6));
      if (i == 0) {
        warmup = death;
      } else {
        measured.add(death);
      }
      Thread.sleep(300); // each death on its own, not queued behind the previous one
    }
    return warmup;
  }

  /** One container OOM-killed, polled on the controller until its OOM_KILLED alert is there. */
  private Death once(
      DockerClient docker,
      HttpClient http,
      String controller,
      String token,
      String name,
      String runLabel)
      throws Exception {
    Death death = new Death(name);
    long t0 = System.nanoTime();
    String id =
        docker
            .createContainerCmd(IMAGE)
            .withName(name)
            .withLabels(Map.of(LABEL, runLabel))
            .withCmd("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
            .withHostConfig(HostConfig.newHostConfig().withMemory(MEMORY).withMemorySwap(MEMORY))
            .exec()
            .getId();
    death.id = id;
    byId.put(id, death);
    long t1 = System.nanoTime();
    docker.startContainerCmd(id).exec();
    long t2 = System.nanoTime();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(controller + "/api/v1/alerts?rule=OOM_KILLED&limit=10&container=" + id))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(5))
            .build();
    long deadline = System.nanoTime() + ALERT_TIMEOUT.toNanos();
    String lastAnswer = null;
    while (true) {
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException e) {
        response = null; // no answer within 5 s: not seen yet, and the time keeps counting
      }
      long now = epochNanos();
      death.polls++;
      if (response != null && response.statusCode() != 200) {
        throw new IllegalStateException(
            "GET /api/v1/alerts answered " + response.statusCode() + ": " + response.body());
      }
      if (alertStream.failure() != null) {
        throw new IllegalStateException(alertStream.failure());
      }
      if (response != null) {
        lastAnswer = response.body();
      }
      if (response != null && hasOomAlert(response.body(), id)) {
        death.seenNanos = now;
        death.pollMs = (System.nanoTime() - t2) / 1_000_000;
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no OOM_KILLED alert for "
                + name
                + " ("
                + id
                + ") on GET /api/v1/alerts within "
                + ALERT_TIMEOUT.toSeconds()
                + " s ("
                + alertsOf(lastAnswer, id)
                + ")"
                + whereItStopped(death));
      }
      Thread.sleep(POLL.toMillis());
    }
    long dieDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((death.dieNanos == 0 || death.streamNanos == 0) && System.nanoTime() < dieDeadline) {
      Thread.sleep(5);
    }
    if (death.dieNanos == 0) {
      throw new IllegalStateException(
          "the engine's events stream brought no die event for " + name + " (" + id + ")");
    }
    if (death.streamNanos == 0) {
      throw new IllegalStateException(
          "GET /api/v1/alerts returned the OOM_KILLED alert of "
              + name
              + " but the alert stream did not bring it within 10 s"
              + (alertStream.failure() == null ? "" : ": " + alertStream.failure()));
    }
    long t3 = System.nanoTime();
    removeQuietly(docker, id);
    death.createMs = (t1 - t0) / 1_000_000;
    death.startMs = (t2 - t1) / 1_000_000;
    death.removeMs = (System.nanoTime() - t3) / 1_000_000;
    return death;
  }

  /** What the last GET returned for the container: each alert's title and survived flag. */
  private static String alertsOf(String body, String id) {
    if (body == null) {
      return "no GET answered";
    }
    StringJoiner found = new StringJoiner("; ", "GET returned: ", "");
    found.setEmptyValue("GET returned no OOM_KILLED alert of it");
    JsonArray alerts = new JsonObject(body).getJsonArray("alerts");
    for (int i = 0; i < alerts.size(); i++) {
      JsonObject alert = alerts.getJsonObject(i);
      if (id.equals(alert.getString("containerId"))) {
        found.add(
            alert.getString("title")
                + " (container_survived="
                + alert
                    .getJsonObject("attributes", new JsonObject())
                    .getString("container_survived")
                + ")");
      }
    }
    return found.toString();
  }

  private static boolean hasOomAlert(String body, String id) {
    JsonArray alerts = new JsonObject(body).getJsonArray("alerts");
    for (int i = 0; i < alerts.size(); i++) {
      JsonObject alert = alerts.getJsonObject(i);
      if (id.equals(alert.getString("containerId")) && isOomDeath(alert)) {
        return true;
      }
    }
    return false;
  }

  /** An OOM_KILLED alert of a container that died (not one whose process was killed inside it). */
  private static boolean isOomDeath(JsonObject alert) {
    return "OOM_KILLED".equals(alert.getString("rule"))
        && !"true"
            .equals(
                alert
                    .getJsonObject("attributes", new JsonObject())
                    .getString("container_survived"));
  }

  /** On the alert stream's thread: notes when a death's OOM_KILLED alert first arrived. */
  private void onStreamedAlert(JsonObject alert) {
    long now = epochNanos();
    Object id = alert.getValue("containerId");
    Death death = id instanceof String s ? byId.get(s) : null;
    if (death != null && death.streamNanos == 0 && isOomDeath(alert)) {
      death.streamNanos = now;
    }
  }

  /**
   * The engine's oom and die events of this run's containers (label), replayed from before the
   * first.
   */
  private Closeable followEngineEvents(DockerClient client, String runLabel) {
    long since = Instant.now().minusSeconds(1).getEpochSecond();
    ResultCallback.Adapter<Event> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Event event) {
            Death death = byId.get(event.getId());
            if (death == null) {
              return; // not one of this driver's deaths (each is registered before its start)
            }
            long nanos =
                event.getTimeNano() != null
                    ? event.getTimeNano()
                    : event.getTime() * 1_000_000_000L;
            if ("die".equals(event.getAction())) {
              death.dieReceivedNanos = epochNanos();
              death.dieNanos = nanos;
            } else if ("oom".equals(event.getAction())) {
              death.oomNanos = nanos;
            }
          }
        };
    return client
        .eventsCmd()
        .withSince(Long.toString(since))
        .withLabelFilter(Map.of(LABEL, runLabel))
        .withEventFilter("oom", "die")
        .exec(callback);
  }

  /**
   * What {@code porthole up} printed once every service started; fails when it exits first or runs
   * without a collector.
   */
  private static String awaitPrinted(Path stdout, long pid) throws Exception {
    long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
    while (true) {
      String printed = Files.exists(stdout) ? Files.readString(stdout, StandardCharsets.UTF_8) : "";
      Matcher running = RUNNING.matcher(printed);
      if (running.find()) {
        if (!running.group(1).contains("collector")) {
          throw new IllegalStateException(
              "porthole up runs without its collector (" + running.group() + "; see raw/run.log)");
        }
        return printed;
      }
      if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        throw new IllegalStateException("porthole up exited before it was ready (see raw/run.log)");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "porthole up was not ready within " + UP_TIMEOUT.toSeconds() + " s (see raw/run.log)");
      }
      Thread.sleep(50);
    }
  }

  /** Waits for 200 on /health/ready; a request that times out (a loaded machine) is asked again. */
  private static void awaitReady(HttpClient http, String controller) throws Exception {
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create(controller + "/health/ready"))
            .timeout(Duration.ofSeconds(5))
            .build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (HttpTimeoutException e) {
        // asked again below
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            controller + "/health/ready did not answer 200 within 60 s");
      }
      Thread.sleep(50);
    }
  }

  private void report(
      Results results, String key, List<Death> deaths, Death warmup, int repetitions) {
    List<Double> latencies = new ArrayList<>();
    for (Death death : deaths) {
      latencies.add((death.streamNanos - death.dieNanos) / 1e6);
    }
    List<Double> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    int n = sorted.size();
    results.measured(key + ".latency", "ms", latencies);
    results.measured(key + ".p50", "ms", List.of(sorted.get((int) Math.floor(0.50 * (n - 1)))));
    results.measured(key + ".p99", "ms", List.of(sorted.get((int) Math.ceil(0.99 * (n - 1)))));
    results.measured(key + ".max", "ms", List.of(sorted.get(n - 1)));
    results.info(
        key + ".how",
        String.format(
            Locale.ROOT,
            "porthole up (the shaded jar, its own JVM, the launcher's JVM options)"
                + " against the real engine; %d containers (1 warm-up not counted + %d "
                + "measured, one at a time) of %s with"
                + " --memory 16m --memory-swap 16m running dd if=/dev/zero of=/dev/null "
                + "bs=64M count=1, OOM-killed by the kernel;"
                + " latency = arrival of the container's OOM_KILLED alert event on the"
                + " controller's alert stream (GET /api/v1/alerts/stream, server-sent events,"
                + " what the console shows; one client with the operator token, open from the"
                + " controller's readiness on; time taken when the data line arrived) minus"
                + " timeNano of the engine's die event for that container (docker events API,"
                + " label filter); one host clock. Meanwhile GET "
                + "/api/v1/alerts?rule=OOM_KILLED&container=ID is polled from the"
                + " container's start with a %d ms pause between requests until it returns the"
                + " alert too (a stage below; a death is measured only when both have it)."
                + " The other stage times come from a group-less "
                + "consumer of the run's container-events"
                + " and alerts topics. p50/p99 by rank over the %d measured deaths (with "
                + "%d deaths p99 is the %s). A GET poll cycle (request"
                + " + %d ms pause) took %.0f ms on average: the resolution of the GET stage",
            repetitions + 1,
            repetitions,
            IMAGE,
            POLL.toMillis(),
            n,
            n,
            n <= 100 ? "largest value" : "99th percentile",
            POLL.toMillis(),
            deaths.stream().mapToLong(d -> d.pollMs).sum()
                / (double) Math.max(1, deaths.stream().mapToInt(d -> d.polls).sum())));
    results.info(
        key + ".warmup",
        String.format(
            Locale.ROOT,
            "%.0f ms (first death after start, not counted)",
            (warmup.streamNanos - warmup.dieNanos) / 1e6));
    results.info(key + ".stages", stages(deaths));
    StringBuilder each = new StringBuilder();
    List<Death> all = new ArrayList<>();
    all.add(warmup);
    all.addAll(deaths);
    for (Death death : all) {
      each.append(each.isEmpty() ? "" : "; ")
          .append(death.name)
          .append(death == warmup ? " (warm-up)" : "")
          .append(describe(death));
    }
    results.info(key + ".each_ms_after_die", each.toString());
  }

  /** One death's stages, ms after its die event, and what the collector did around it. */
  private String describe(Death death) {
    StringBuilder out =
        new StringBuilder(" oom->die ")
            .append(
                death.oomNanos <= 0
                    ? "n/a (no oom event)"
                    : String.format(Locale.ROOT, "%.0f", (death.dieNanos - death.oomNanos) / 1e6));
    for (Stage stage : STAGES) {
      out.append(", ")
          .append(stage.label())
          .append(' ')
          .append(relative(death, stage.time().applyAsLong(death)));
    }
    out.append(
        String.format(
            Locale.ROOT,
            " (%d polls; driver: create %d, start %d, polls %d, remove %d)",
            death.polls,
            death.createMs,
            death.startMs,
            death.pollMs,
            death.removeMs));
    return out.append(", collector: ").append(collectorWork(death)).toString();
  }

  /**
   * For a death whose alert did not come: how far it got (its stages, once the stage reader had a
   * few more seconds to read the topics), so the report says which hop lost or held it.
   */
  private String whereItStopped(Death death) throws InterruptedException {
    stages.awaitStages(List.of(death), Duration.ofSeconds(5));
    return "; where it stopped, ms after its die event:" + describe(death);
  }

  /**
   * What the collector's single ordered inspect worker did around this death: each envelope of this
   * container (its event time and when it was built, ms after the die), and how many envelopes of
   * other containers it built between the die and the die's own envelope.
   */
  private String collectorWork(Death death) {
    List<String> own = new ArrayList<>();
    int others = 0;
    synchronized (built) {
      for (Built b : built) {
        if (b.what().endsWith(" of " + death.name)) {
          own.add(
              String.format(
                  Locale.ROOT,
                  "%s event %+.0f built %+.0f",
                  b.what().substring(0, b.what().indexOf(' ')),
                  (b.eventNanos() - death.dieNanos) / 1e6,
                  (b.collectorNanos() - death.dieNanos) / 1e6));
        } else if (death.collectorNanos > 0
            && b.collectorNanos() > death.dieNanos
            && b.collectorNanos() < death.collectorNanos) {
          others++;
        }
      }
    }
    if (death.collectorNanos <= 0) {
      return (own.isEmpty() ? "no envelope" : String.join(", ", own)) + "; no die envelope read";
    }
    return String.join(", ", own)
        + "; "
        + others
        + " envelope(s) of other containers built between the die and its envelope";
  }

  /**
   * Each stage of a death: its name in the medians, its label in the per-death line, and its time
   * (epoch nanoseconds, 0: not seen).
   */
  private record Stage(String name, String label, ToLongFunction<Death> time) {}

  private static final List<Stage> STAGES =
      List.of(
          new Stage(
              "die event delivered to this driver's own events stream (reference)",
              "die->driver's stream",
              d -> d.dieReceivedNanos),
          new Stage(
              "collector envelope built (collector_time)",
              "->collector envelope",
              d -> d.collectorNanos),
          new Stage(
              "die record appended by the broker (LogAppendTime)",
              "->die appended",
              d -> d.dieRecordMillis * 1_000_000L),
          new Stage(
              "die record read by the bench's own group-less consumer",
              "->die read",
              d -> d.dieReadNanos),
          new Stage(
              "OOM_KILLED alert published by the analyzer (publishedAt)",
              "->alert published",
              d -> d.alertPublishedNanos),
          new Stage(
              "alert record appended by the broker (LogAppendTime)",
              "->alert appended",
              d -> d.alertRecordMillis * 1_000_000L),
          new Stage(
              "alert record read by the bench's own group-less consumer",
              "->read",
              d -> d.alertReadNanos),
          new Stage("alert event on /api/v1/alerts/stream", "->stream", d -> d.streamNanos),
          new Stage("alert seen on GET /api/v1/alerts", "->GET", d -> d.seenNanos));

  /** Median and max of each stage, in ms after the engine's die event. */
  private static String stages(List<Death> deaths) {
    StringBuilder out =
        new StringBuilder(
            "ms after the engine's die event, median (max) over the measured deaths: ");
    StringJoiner joined = new StringJoiner("; ");
    for (Stage stage : STAGES) {
      joined.add(stage(deaths, stage.name(), stage.time()));
    }
    return out.append(joined).toString();
  }

  private static String stage(List<Death> deaths, String name, ToLongFunction<Death> time) {
    List<Double> values = new ArrayList<>();
    for (Death death : deaths) {
      long t = time.applyAsLong(death);
      if (t > 0) {
        values.add((t - death.dieNanos) / 1e6);
      }
    }
    if (values.isEmpty()) {
      return name + " n/a";
    }
    Collections.sort(values);
    return String.format(
        Locale.ROOT,
        "%s %.0f (%.0f)",
        name,
        values.get((values.size() - 1) / 2),
        values.get(values.size() - 1));
  }

  private static String relative(Death death, long nanos) {
    return nanos <= 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", (nanos - death.dieNanos) / 1e6);
  }

  private static void removeQuietly(DockerClient docker, String id) {
    if (id == null) {
      return;
    }
    try {
      docker.removeContainerCmd(id).withForce(true).exec();
    } catch (RuntimeException e) {
      // already removed (each death is removed after its measurement; this is the final sweep)
    }
  }

  private static String group(Pattern pattern, String text, String what) {
    Matcher matcher = pattern.matcher(text);
    if (!matcher.find()) {
      throw new IllegalStateException("porthole up printed no " + what + ": " + text);
    }
    return matcher.group(1);
  }

  private static void say(String line) {
    System.out.println("[oom " + LocalTime.now() + "] " + line);
  }

  private static long epochNanos() {
    return Timestamps.toEpochNanos(Instant.now());
  }

  /**
   * Reads the run's container-events and alerts topics from the beginning (no group) and notes, per
   * container of this run, when the collector built the die envelope, when the die record and the
   * alert record were appended by the broker, and when the analyzer published the alert.
   */
  private final class StageReader {
    private final String bootstrap;
    private final KafkaConsumer<String, byte[]> consumer;
    private final String eventsTopic;
    private final String alertsTopic;
    private final TopicNames names;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile String recordCounts = "unknown";

    StageReader(String bootstrap, TopicNames names) {
      this.bootstrap = bootstrap;
      this.consumer =
          new KafkaConsumer<>(
              new HashMap<>(KafkaSettings.of(bootstrap).consumerConfig("bench-oom-stages", null)));
      this.eventsTopic = names.name(Topic.CONTAINER_EVENTS);
      this.alertsTopic = names.name(Topic.ALERTS);
      this.names = names;
      this.thread = new Thread(this::read, "bench-oom-stages");
      this.thread.setDaemon(true);
    }

    /**
     * Sets the run's container-events and alerts topics (porthole up created them) to keep the
     * broker's append time, so the stages say when each record was appended, not when its producer
     * was handed it; then reads them from their beginning.
     */
    void start() throws Exception {
      try (Admin admin = KafkaDrivers.admin(bootstrap)) {
        AlterConfigOp logAppendTime =
            new AlterConfigOp(
                new ConfigEntry("message.timestamp.type", "LogAppendTime"),
                AlterConfigOp.OpType.SET);
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        for (String topic : List.of(eventsTopic, alertsTopic)) {
          changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(logAppendTime));
        }
        admin.incrementalAlterConfigs(changes).all().get(10, TimeUnit.SECONDS);
      }
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(eventsTopic, alertsTopic)) {
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      thread.start();
    }

    private void read() {
      try {
        while (!stopping) {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            take(record);
          }
        }
      } catch (WakeupException e) {
        // stopping
      } finally {
        try {
          recordCounts = countRecords();
        } catch (RuntimeException e) {
          recordCounts = "unknown (" + e + ")";
        }
        consumer.close(Duration.ofSeconds(2));
      }
    }

    /**
     * What the suite wrote to its topics during the run: the load the OOM deaths travelled with.
     */
    private String countRecords() {
      StringBuilder out = new StringBuilder();
      for (Topic topic :
          List.of(
              Topic.CONTAINER_EVENTS,
              Topic.FLOWS,
              Topic.SYSCALLS,
              Topic.HEARTBEATS,
              Topic.ALERTS)) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info :
            consumer.partitionsFor(names.name(topic), Duration.ofSeconds(5))) {
          partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        long records =
            consumer.endOffsets(partitions, Duration.ofSeconds(5)).values().stream()
                .mapToLong(Long::longValue)
                .sum();
        out.append(out.isEmpty() ? "" : ", ").append(topic.topicName()).append(' ').append(records);
      }
      return out.toString();
    }

    String recordCounts() {
      return recordCounts;
    }

    private void take(ConsumerRecord<String, byte[]> record) {
      String key = record.key() == null ? "" : record.key();
      Death death = byId.get(key.substring(key.indexOf('/') + 1));
      try {
        if (record.topic().equals(eventsTopic)) {
          EventEnvelope envelope = EventEnvelope.parseFrom(record.value());
          String action = envelope.getContainerEvent().getAction().name().toLowerCase(Locale.ROOT);
          built.add(
              new Built(
                  Timestamps.toEpochNanos(envelope.getTime()),
                  Timestamps.toEpochNanos(envelope.getCollectorTime()),
                  action
                      + " of "
                      + (death != null ? death.name : envelope.getContainerEvent().getName())));
          if (death != null
              && envelope.getContainerEvent().getAction() == ContainerAction.DIE
              && death.dieRecordMillis == 0) {
            death.collectorNanos = Timestamps.toEpochNanos(envelope.getCollectorTime());
            death.dieRecordMillis = appendTime(record);
            death.dieReadNanos = epochNanos();
          }
        } else if (death != null) {
          Alert alert = Alert.parseFrom(record.value());
          if (alert.getRule() == Rule.OOM_KILLED && death.alertRecordMillis == 0) {
            death.alertPublishedNanos = Timestamps.toEpochNanos(alert.getPublishedAt());
            death.alertRecordMillis = appendTime(record);
            death.alertReadNanos = epochNanos();
          }
        }
      } catch (InvalidProtocolBufferException e) {
        // not ours to judge here: the product's consumers count undecodable records
      }
    }

    /** The broker's append time of a record; -1 (not reported) for one that kept CreateTime. */
    private long appendTime(ConsumerRecord<String, byte[]> record) {
      return record.timestampType() == TimestampType.LOG_APPEND_TIME ? record.timestamp() : -1;
    }

    /**
     * Waits a little for the last deaths' records to be read (the alert can be seen before the
     * reader polls it).
     */
    void awaitStages(List<Death> deaths, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline
          && deaths.stream().anyMatch(d -> d.alertRecordMillis == 0 || d.dieRecordMillis == 0)) {
        Thread.sleep(50);
      }
    }

    void stop() throws InterruptedException {
      stopping = true;
      consumer.wakeup();
      thread.join(5000);
    }
  }
}
