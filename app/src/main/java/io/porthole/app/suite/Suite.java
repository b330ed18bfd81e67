package io.porthole.app.suite;

import io.porthole.app.AppSettingDefinitions;
import io.porthole.app.CliFailure;
import io.porthole.app.CommandSettings;
import io.porthole.app.OneLine;
import io.porthole.app.ServiceFactory;
import io.porthole.app.kafka.EmbeddedKafka;
import io.porthole.app.kafka.EmbeddedKafkaConfig;
import io.porthole.app.kafka.KafkaReachability;
import io.porthole.app.kafka.PortInUseException;
import io.porthole.app.kafka.TopicPolicy;
import io.porthole.app.kafka.TopicSetup;
import io.porthole.app.logging.LogFormat;
import io.porthole.app.logging.LogSetup;
import io.porthole.collector.CollectorConfig;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.KafkaSecrets;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.porthole.runtime.TopicSettings;
import io.porthole.runtime.ops.OpsHttpConfig;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Porthole's services in one process on one Vertx: Kafka (embedded unless an external one is
 * given), then analyzer, controller and collector. A service that cannot start is reported in one
 * line and the others keep running. {@link #stop()} stops the services in reverse order, then
 * Vert.x, then the broker.
 */
public final class Suite {

  /** The services a suite can run. */
  public enum Service {
    ANALYZER,
    CONTROLLER,
    COLLECTOR
  }

  private static final String REMEDIATION_DATA_DIR_KEY = "remediation.data.dir";

  /** The default metrics and health port of {@code porthole collector}. */
  public static final int COLLECTOR_OPS_PORT = 9464;

  /** The default metrics and health port of {@code porthole analyzer}. */
  public static final int ANALYZER_OPS_PORT = 9465;

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final ServiceFactory services;
  private static final Logger LOG = LoggerFactory.getLogger(Suite.class);
  private final PrintStream err;
  // With log.format=json every stderr line must be a JSON object: notices go through the log.
  private volatile boolean jsonLogs;
  private final Deque<Map.Entry<String, Lifecycle>> started = new ArrayDeque<>();
  private final Set<Service> running = EnumSet.noneOf(Service.class);
  private EmbeddedKafka embeddedKafka;
  private Vertx vertx;
  private Settings settings;
  private String bootstrapServers;
  private ServiceFactory.ControllerHandle controller;
  private int opsPort = -1;
  private Credentials credentials;
  private boolean stopped;

  public Suite(ServiceFactory services, PrintStream err) {
    this.services = Objects.requireNonNull(services, "services");
    this.err = Objects.requireNonNull(err, "err");
  }

  /** A notice on stderr: {@code porthole: MESSAGE}, or an INFO log line in JSON. */
  private void notice(String message) {
    if (jsonLogs) {
      LOG.info(message);
    } else {
      err.println("porthole: " + message);
    }
  }

  /** A problem the services run despite: {@code porthole: MESSAGE}, or a WARN log line in JSON. */
  private void warning(String message) {
    if (jsonLogs) {
      LOG.warn(message);
    } else {
      err.println("porthole: " + message);
    }
  }

  /**
   * Starts the wanted services, runs {@code whenStarted} (the ready lines), then blocks until
   * SIGTERM or SIGINT has stopped everything ({@code porthole: stopping} / {@code stopped} on
   * stderr). A failure to start, or from {@code whenStarted}, stops what did start and is rethrown.
   */
  public void runUntilSignalled(Settings settings, Set<Service> wanted, Runnable whenStarted)
      throws InterruptedException {
    LogFormat format = LogFormat.from(settings);
    LogSetup.apply(format, logContext(settings, wanted));
    jsonLogs = format == LogFormat.JSON;
    CountDownLatch stoppedBySignal = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              notice("stopping");
              stop();
              notice("stopped");
              stoppedBySignal.countDown();
            },
            "porthole-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      start(settings, wanted);
      whenStarted.run();
    } catch (RuntimeException e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      stop();
      throw e;
    }
    stoppedBySignal.await();
  }

  /** What every JSON log line carries: the services of this process and the host id. */
  private static Map<String, String> logContext(Settings settings, Set<Service> wanted) {
    String services =
        wanted.stream()
            .map(s -> s.name().toLowerCase(Locale.ROOT))
            .sorted()
            .collect(Collectors.joining(","));
    String hostId =
        settings.optional(CommandSettings.HOST_ID_KEY).orElseGet(CollectorConfig::hostname);
    return Map.of("service", services, "host_id", hostId);
  }

  /**
   * Starts Kafka (unless {@code kafka.bootstrap.servers} is set) and the wanted services. Blocking;
   * call from the main thread.
   *
   * @throws CliFailure when nothing useful can run (Kafka unreachable, a port taken, no service up)
   */
  public synchronized void start(Settings base, Set<Service> wanted) {
    AppSettingDefinitions.rejectUnknown(base);
    Path dataDir = CommandSettings.dataDir(base);
    createDataDir(dataDir);
    requireFreeHttpPort(base, wanted);
    Preflight preflight =
        wanted.contains(Service.COLLECTOR) ? Preflight.check(base) : Preflight.notNeeded();
    preflight.problems().forEach(this::warning);

    Map<String, String> derived = new HashMap<>();
    if (wanted.contains(Service.CONTROLLER)) {
      // Tokens and the command key pair are generated only with a controller (up, controller); a
      // collector on its own holds only the controller's public key, so it takes
      // PORTHOLE_COMMAND_VERIFY_KEY_FILE as configured and says so when it is missing.
      credentials = Credentials.resolve(base, dataDir);
      derived.putAll(credentials.asSettings());
    }
    derived.putAll(CollectorCapabilities.overrides(preflight));
    if (base.optional(REMEDIATION_DATA_DIR_KEY).isEmpty()) {
      // Pending TTL restores of isolations live with the suite's other data.
      derived.put(REMEDIATION_DATA_DIR_KEY, dataDir.resolve("remediation").toString());
    }
    derived.putAll(opsHttp(base, wanted));
    vertx = PortholeMetrics.newVertx();
    try {
      bootstrapServers = startKafka(base, dataDir);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
    derived.put(KafkaSettings.BOOTSTRAP_KEY, bootstrapServers);
    settings = base.with(derived);

    for (Service service :
        new Service[] {Service.ANALYZER, Service.CONTROLLER, Service.COLLECTOR}) {
      if (!wanted.contains(service)) {
        continue;
      }
      if (service == Service.COLLECTOR && !preflight.dockerReady()) {
        err.println(
            "porthole: collector not started (no usable Docker engine, see above); the "
                + "other services run");
        continue;
      }
      startService(service);
    }
    if (running.isEmpty()) {
      stop();
      throw CliFailure.failure("no service could start (see the lines above)");
    }
  }

  /**
   * Where the metrics and health endpoint is: with a controller in the process, on the controller's
   * port only (one registry, one endpoint); a collector or analyzer alone serves its own, on
   * {@value #COLLECTOR_OPS_PORT} or {@value #ANALYZER_OPS_PORT} unless {@code http.port} is set.
   */
  private static Map<String, String> opsHttp(Settings base, Set<Service> wanted) {
    if (wanted.contains(Service.CONTROLLER)) {
      return Map.of(OpsHttpConfig.ENABLED_KEY, "false");
    }
    if (base.optional(OpsHttpConfig.PORT_KEY).isPresent() || wanted.size() != 1) {
      return Map.of();
    }
    int port = wanted.contains(Service.COLLECTOR) ? COLLECTOR_OPS_PORT : ANALYZER_OPS_PORT;
    return Map.of(OpsHttpConfig.PORT_KEY, String.valueOf(port));
  }

  private void startService(Service service) {
    String name = service.name().toLowerCase();
    try {
      Lifecycle lifecycle =
          switch (service) {
            case ANALYZER -> services.analyzer(vertx, settings);
            case COLLECTOR -> services.collector(vertx, settings);
            case CONTROLLER -> controller = services.controller(vertx, settings);
          };
      await(lifecycle.start(), START_TIMEOUT);
      if (lifecycle instanceof ServiceFactory.ServiceHandle handle && handle.opsPort() > 0) {
        opsPort = handle.opsPort();
      }
      started.push(Map.entry(name, lifecycle));
      running.add(service);
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      if (service == Service.CONTROLLER) {
        controller = null;
      }
      // A Kafka client's exception may quote its configuration: no secret of it in the line.
      String reason =
          KafkaSecrets.scrub(describe(e), KafkaSecrets.secretValues(settings.withPrefix("kafka.")));
      warning(name + " not started: " + reason + "; the other services run");
    }
  }

  /** The bootstrap servers the services use. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  public Settings settings() {
    return settings;
  }

  public Set<Service> running() {
    Set<Service> copy = EnumSet.noneOf(Service.class);
    copy.addAll(running);
    return copy;
  }

  /** Where the controller really listens, as {@code http://HOST:PORT}; only while it runs. */
  public String controllerAddress() {
    return http(settings.string(CommandSettings.HTTP_HOST_KEY, "0.0.0.0"), controllerPort());
  }

  /**
   * Where a collector or analyzer running alone really serves {@code /metrics} and {@code
   * /health/*}, as {@code http://HOST:PORT} with the port it is bound to; empty when it serves none
   * (with a controller, the controller's port serves them).
   */
  public Optional<String> metricsAddress() {
    return opsPort <= 0
        ? Optional.empty()
        : Optional.of(http(settings.string(CommandSettings.HTTP_HOST_KEY, "0.0.0.0"), opsPort));
  }

  private static String http(String host, int port) {
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The controller's HTTP port, or -1 when it does not run. */
  public int controllerPort() {
    return controller == null ? -1 : controller.actualPort();
  }

  public Credentials credentials() {
    return credentials;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops everything that started, services in reverse order, the broker last. Idempotent. */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    while (!started.isEmpty()) {
      Map.Entry<String, Lifecycle> service = started.pop();
      try {
        await(service.getValue().stop(), STOP_TIMEOUT);
      } catch (Exception e) {
        warning(service.getKey() + " did not stop cleanly: " + describe(e));
      }
    }
    if (vertx != null) {
      try {
        await(vertx.close(), STOP_TIMEOUT);
      } catch (Exception e) {
        err.println("porthole: Vert.x did not close cleanly: " + describe(e));
      }
    }
    if (embeddedKafka != null) {
      embeddedKafka.stopBlocking();
    }
  }

  private String startKafka(Settings base, Path dataDir) {
    TopicNames names = TopicSettings.from(base);
    EmbeddedKafkaConfig embedded = EmbeddedKafkaConfig.from(base, dataDir);
    if (base.optional(KafkaSettings.BOOTSTRAP_KEY).isPresent()) {
      KafkaSettings kafka = KafkaSettings.from(base);
      TopicPolicy policy = TopicPolicy.from(base);
      KafkaReachability.require(kafka, Duration.ofSeconds(10));
      setUpTopics(kafka, names, policy);
      return kafka.bootstrapServers();
    }
    embeddedKafka = new EmbeddedKafka(vertx, embedded);
    try {
      embeddedKafka.startBlocking();
    } catch (PortInUseException e) {
      throw CliFailure.failure(e.getMessage());
    } catch (Exception e) {
      throw new CliFailure(
          CliFailure.FAILURE,
          "the embedded Kafka broker did not start: "
              + describe(e)
              + " (its data is in "
              + embedded.dataDir()
              + ")",
          e);
    }
    return embeddedKafka.bootstrapServers();
  }

  private void setUpTopics(KafkaSettings kafka, TopicNames names, TopicPolicy policy) {
    TopicSetup.Outcome outcome;
    try {
      outcome = new TopicSetup(kafka, names, policy).apply(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.failure("interrupted while checking Porthole's topics");
    } catch (RuntimeException e) {
      throw CliFailure.failure(
          "Porthole's topics on " + kafka.bootstrapServers() + ": " + describe(e));
    }
    outcome.warnings().forEach(this::warning);
  }

  /**
   * Checks, before anything starts, that the HTTP port this process will serve can be listened on:
   * the controller's API, or (a collector or analyzer alone) its metrics and health endpoint. The
   * address is checked also for port 0 (any free port): one line naming the address and the option
   * when it is not an address of this machine or the port is taken.
   */
  private static void requireFreeHttpPort(Settings base, Set<Service> wanted) {
    String what;
    int port;
    if (wanted.contains(Service.CONTROLLER)) {
      what = "the controller";
      port = base.integer(CommandSettings.HTTP_PORT_KEY, 8080, 0, 65535);
    } else if (wanted.size() == 1 && base.bool(OpsHttpConfig.ENABLED_KEY, true)) {
      Service alone = wanted.iterator().next();
      what = "the " + alone.name().toLowerCase(Locale.ROOT) + "'s metrics and health endpoint";
      port =
          base.integer(
              CommandSettings.HTTP_PORT_KEY,
              alone == Service.COLLECTOR ? COLLECTOR_OPS_PORT : ANALYZER_OPS_PORT,
              0,
              65535);
    } else {
      return;
    }
    String host = base.string(CommandSettings.HTTP_HOST_KEY, "0.0.0.0");
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw CliFailure.failure(
          base.describe(CommandSettings.HTTP_HOST_KEY)
              + ": '"
              + host
              + "' is not an address (--http-host)");
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port));
    } catch (IOException e) {
      if (!address.isAnyLocalAddress() && String.valueOf(e.getMessage()).contains("assign")) {
        throw CliFailure.failure(
            base.describe(CommandSettings.HTTP_HOST_KEY)
                + ": cannot listen on "
                + host
                + ", it is not an address of this machine (--http-host)");
      }
      throw CliFailure.failure(
          new PortInUseException(host, port, what)
              .getMessage()
              .replace(
                  "choose another port",
                  "choose another port with --http-port N (0 picks a free one)"));
    }
  }

  private static void createDataDir(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw CliFailure.failure(
          "cannot create the data directory "
              + dataDir
              + ": "
              + e.getMessage()
              + "; choose another with --data-dir DIR");
    } catch (UncheckedIOException e) {
      throw CliFailure.failure(
          "cannot create the data directory " + dataDir + ": " + e.getMessage());
    }
  }

  private static <T> T await(Future<T> future, Duration timeout) throws Exception {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      throw new IllegalStateException("did not finish within " + timeout.toSeconds() + " s");
    }
  }

  static String describe(Throwable e) {
    return OneLine.of(e);
  }
}
