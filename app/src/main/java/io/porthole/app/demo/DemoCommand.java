package io.porthole.app.demo;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import io.porthole.app.CliFailure;
import io.porthole.app.CommandSettings;
import io.porthole.app.ServiceFactory;
import io.porthole.app.suite.ConsoleLink;
import io.porthole.app.suite.Suite;
import io.porthole.collector.CollectorConfig;
import io.porthole.collector.DockerClients;
import io.porthole.proto.Alert;
import io.porthole.proto.Evidence;
import io.porthole.proto.Rule;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the suite as `up` does (embedded Kafka, fresh data), then reproduces on "
          + "the local Docker engine:"
          + " S1 host namespaces, S2 an OOM kill and --oom-kill-disable without a limit, "
          + "S3 network isolation"
          + " and restore through the REST API, S5 an SELinux assumption, S7 the same "
          + "image failing on a second"
          + " Docker engine (host B, started and removed by the demo) and working on this one.",
      "Prints each alert as it arrives, removes every container it started, and exits 0 "
          + "only when every"
          + " expected alert arrived in time (1 otherwise, listing what is missing).",
      "The launcher (./porthole demo) first prepares the machine as dev/test does: "
          + "packages, engine, scenario image."
    })
public final class DemoCommand implements Callable<Integer> {

  @Option(
      names = "--alert-timeout",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "How long each alert may take after its container started (default 60).")
  int alertTimeoutSeconds;

  @Option(
      names = "--http-port",
      paramLabel = "N",
      defaultValue = "0",
      description = "The controller's port (default: a free one).")
  int httpPort;

  @Option(
      names = "--keep-running",
      paramLabel = "DURATION",
      arity = "0..1",
      fallbackValue = KeepRunning.UNTIL_INTERRUPTED,
      description =
          "After the scenarios pass, keep the suite, the console and the demo's "
              + "containers running until Ctrl-C"
              + " (or for DURATION, e.g. 10m), then clean up as usual.")
  String keepRunningOption;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Parent of the demo's own fresh data directory (default: ~/.porthole).")
  Path dataDir;

  private final ServiceFactory services;
  private final PrintStream out;
  private final PrintStream err;
  // alert id -> the title last printed: a newer version is printed again only when its title
  // changed
  // (a HOST_DIVERGENCE alert grows when the exit follows the failing syscall)
  private final Map<String, String> printedAlertTitles = new ConcurrentHashMap<>();
  private long startedNanos;
  private DivergenceScenario divergence;

  public DemoCommand(ServiceFactory services, PrintStream out, PrintStream err) {
    this.services = services;
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    if (alertTimeoutSeconds < 1) {
      throw CliFailure.usage(
          "--alert-timeout: expected a positive number of seconds but was " + alertTimeoutSeconds);
    }
    Optional<KeepRunning> keepRunning = KeepRunning.parse(keepRunningOption);
    startedNanos = System.nanoTime();
    Settings base =
        CommandSettings.fromEnvironment().option(CommandSettings.DATA_DIR_KEY, dataDir).build();
    Path runDir =
        Files.createDirectories(CommandSettings.dataDir(base))
            .resolve("demo-" + System.currentTimeMillis());
    Settings settings =
        base.with(
            Map.of(
                CommandSettings.DATA_DIR_KEY,
                runDir.toString(),
                CommandSettings.HTTP_PORT_KEY,
                String.valueOf(httpPort),
                // A demo's API is for this machine only, as with `porthole up`.
                CommandSettings.HTTP_HOST_KEY,
                base.string(CommandSettings.HTTP_HOST_KEY, "127.0.0.1"),
                "kafka.bootstrap.servers",
                ""));
    Suite suite = new Suite(services, err);
    DemoDocker docker =
        new DemoDocker(
            DockerClients.create(
                settings.string("docker.host", DockerClients.DEFAULT_DOCKER_HOST),
                Duration.ofSeconds(60)));
    divergence = new DivergenceScenario(services, runDir);
    Thread cleanup = new Thread(() -> cleanUp(docker, suite, runDir), "porthole-demo-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      say("starting the suite (embedded Kafka, analyzer, controller, collector)");
      suite.start(settings, EnumSet.allOf(Suite.Service.class));
      say(
          "suite ready: kafka "
              + suite.bootstrapServers()
              + (suite.controllerPort() > 0
                  ? ", controller " + suite.controllerAddress()
                  : ", no controller")
              + ", running "
              + suite.running().toString().toLowerCase(Locale.ROOT));
      if (suite.controllerPort() > 0) {
        say(
            ConsoleLink.line(suite.controllerAddress(), suite.credentials())
                + keepRunning
                    .map(k -> " (up while the demo runs, then " + k.describe() + ")")
                    .orElse(" (up while the demo runs; --keep-running keeps it afterwards)"));
      }
      int result = runScenarios(suite, docker);
      if (keepRunning.isPresent()) {
        say(
            "keeping the suite, the console and the demo's containers "
                + keepRunning.get().describe()
                + (suite.controllerPort() > 0
                    ? " (console: the link above, " + suite.controllerAddress() + "/ui/)"
                    : ""));
        keepRunning.get().await();
      }
      return result;
    } finally {
      cleanUp(docker, suite, runDir);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // already running as a hook
      }
    }
  }

  private int runScenarios(Suite suite, DemoDocker docker) throws Exception {
    Expectations expectations = new Expectations();
    Duration limit = Duration.ofSeconds(alertTimeoutSeconds);
    Map<String, String> names = new ConcurrentHashMap<>();
    KafkaSettings kafka = KafkaSettings.from(suite.settings());
    String alertsTopic =
        TopicNames.withPrefix(suite.settings().string(CommandSettings.TOPIC_PREFIX_KEY, ""))
            .name(Topic.ALERTS);
    try (AlertWatcher watcher =
        new AlertWatcher(
            kafka,
            alertsTopic,
            alert -> {
              // Other containers on this engine get alerts too; the demo shows those of its own.
              if (docker.isOwn(alert.getContainerId())
                  || divergence.isOwn(alert.getContainerId())) {
                printAlert(alert, expectations, names);
              }
            })) {
      watcher.start();

      say(
          "S1: a container sharing the host's network and PID namespaces, with / mounted "
              + "read-only");
      long s1Started = System.nanoTime();
      String s1 =
          docker.run(
              "s1",
              Map.of(),
              h ->
                  h.withNetworkMode("host")
                      .withPidMode("host")
                      .withBinds(new Bind("/", new Volume("/host"), AccessMode.ro)),
              "sleep",
              "600");
      expectations.expect("S1", Rule.HOST_NAMESPACES, s1, s1Started, limit);
      names.put(s1, docker.name(s1));

      say(
          "S2: a container OOM-killed at its 16 MiB limit, and one with "
              + "--oom-kill-disable and no limit");
      long s2Started = System.nanoTime();
      String s2 =
          docker.run(
              "s2-oom",
              Map.of(),
              h -> h.withMemory(16L << 20).withMemorySwap(16L << 20),
              "dd",
              "if=/dev/zero",
              "of=/dev/null",
              "bs=64M",
              "count=1");
      names.put(s2, "porthole-demo-s2-oom");
      expectations.expect("S2", Rule.OOM_KILLED, s2, s2Started, limit);
      long s2bStarted = System.nanoTime();
      String s2b =
          docker.run("s2-nolimit", Map.of(), h -> h.withOomKillDisable(true), "sleep", "600");
      expectations.expect("S2", Rule.OOM_KILL_DISABLED_UNBOUNDED, s2b, s2bStarted, limit);
      names.put(s2b, docker.name(s2b));

      say(
          "S5: a container traced with strace (label porthole.trace=syscalls) that "
              + "assumes SELinux and exits 12");
      long s5Started = System.nanoTime();
      String s5 =
          docker.run(
              "s5",
              Map.of("porthole.trace", "syscalls"),
              h -> h,
              "sh",
              "-c",
              "sleep 2; cat /etc/selinux/config || exit 12");
      names.put(s5, "porthole-demo-s5");
      expectations.expect("S5", Rule.SELINUX_ASSUMPTION, s5, s5Started, limit);

      boolean divergenceStarted = startDivergence(suite, docker, names, expectations, limit);

      boolean isolationOk = isolationRoundTrip(suite, docker, names, limit);

      expectations.awaitAll();
      return report(expectations, isolationOk && divergenceStarted, docker);
    }
  }

  /**
   * S7: host B is a second engine with its own collector in this process; the same traced probe
   * runs on both engines. Returns false (the demo then fails) when host B could not be set up.
   */
  private boolean startDivergence(
      Suite suite,
      DemoDocker docker,
      Map<String, String> names,
      Expectations expectations,
      Duration limit) {
    say(
        "S7: the same image on a second Docker engine (host B: own bridge, seccomp "
            + "answers memfd_create with ENOSYS)"
            + " and on this one (host A), both traced");
    long started = System.nanoTime();
    try {
      String hostA =
          suite.settings().string(CommandSettings.HOST_ID_KEY, CollectorConfig.hostname());
      Path probeDir =
          divergence.prepare(
              suite.vertx(),
              suite.settings(),
              suite.bootstrapServers(),
              hostA + "-b",
              DemoDocker.IMAGE);
      say(
          "S7: host "
              + hostA
              + "-b ready (probe compiled, engine started, image loaded, collector running) in "
              + millis(Duration.ofNanos(System.nanoTime() - started)));
      long probesStarted =
          System.nanoTime(); // the time limit runs from the containers' start, not the set-up
      String onA =
          docker.run(
              "s7-a",
              Map.of("porthole.trace", "syscalls"),
              h -> h.withBinds(new Bind(probeDir.toString(), new Volume("/probe"), AccessMode.ro)),
              "/probe/memfd-probe");
      names.put(onA, docker.name(onA));
      String onB = divergence.runOnHostB("porthole-demo-s7-b", DemoDocker.IMAGE, probeDir);
      names.put(onB, "porthole-demo-s7-b (host " + hostA + "-b)");
      expectations.expect("S7", Rule.HOST_DIVERGENCE, onB, probesStarted, limit);
      return true;
    } catch (Exception e) {
      say("S7: host B could not be set up: " + e.getMessage());
      return false;
    }
  }

  /** S3: ping the bridge gateway, isolate through the REST API, ping fails, restore, ping works. */
  private boolean isolationRoundTrip(
      Suite suite, DemoDocker docker, Map<String, String> names, Duration limit) {
    say("S3: isolating a container's network through the controller's REST API, then restoring it");
    try {
      if (suite.controllerPort() < 0) {
        throw new IllegalStateException("the controller is not running");
      }
      String s3 = docker.run("s3", Map.of(), h -> h, "sleep", "600");
      names.put(s3, docker.name(s3));
      String gateway = docker.gateway(s3);
      boolean before = docker.ping(s3, gateway);
      say(
          "S3: ping "
              + gateway
              + " from "
              + names.get(s3)
              + " before isolation: "
              + (before ? "answered" : "NO ANSWER"));
      String hostId =
          suite.settings().string(CommandSettings.HOST_ID_KEY, CollectorConfig.hostname());
      ControllerClient controller =
          new ControllerClient(suite.controllerAddress(), suite.credentials().operatorToken());
      ControllerClient.Outcome isolate =
          controller.remediate("ISOLATE_NETWORK", s3, hostId, "porthole demo S3", limit);
      boolean during = docker.ping(s3, gateway);
      say(
          "S3: POST /api/v1/remediations ISOLATE_NETWORK -> "
              + isolate.status()
              + " in "
              + millis(isolate.took())
              + " ("
              + isolate.detail()
              + "); ping: "
              + (during ? "STILL ANSWERED" : "no answer"));
      ControllerClient.Outcome restore =
          controller.remediate("RESTORE_NETWORK", s3, hostId, "porthole demo S3", limit);
      boolean after = docker.ping(s3, gateway);
      say(
          "S3: POST /api/v1/remediations RESTORE_NETWORK -> "
              + restore.status()
              + " in "
              + millis(restore.took())
              + " ("
              + restore.detail()
              + "); ping: "
              + (after ? "answered" : "NO ANSWER"));
      return before && isolate.succeeded() && !during && restore.succeeded() && after;
    } catch (Exception e) {
      say("S3: isolation round trip failed: " + e.getMessage());
      return false;
    }
  }

  private void printAlert(Alert alert, Expectations expectations, Map<String, String> names) {
    long now = System.nanoTime();
    expectations.offer(alert, now);
    String shownTitle = printedAlertTitles.put(alert.getAlertId(), alert.getTitle());
    if (alert.getTitle().equals(shownTitle)) {
      return; // a newer version of an alert already shown (its episode goes on)
    }
    String updated = shownTitle == null ? "" : " (updated)";
    String container =
        alert.getContainerName().isEmpty()
            ? names.getOrDefault(alert.getContainerId(), alert.getContainerId())
            : alert.getContainerName();
    synchronized (out) {
      out.printf(
          Locale.ROOT,
          "[%6.1fs] alert%s %s %s %s: %s%n",
          seconds(now),
          updated,
          alert.getSeverity(),
          alert.getRule(),
          container,
          alert.getTitle());
      for (Evidence evidence :
          alert.getEvidenceList().subList(0, Math.min(3, alert.getEvidenceCount()))) {
        out.println("           evidence: " + evidence.getDescription());
      }
      out.flush();
    }
  }

  private int report(Expectations expectations, boolean isolationOk, DemoDocker docker) {
    List<Expectations.Expected> missing = expectations.missing();
    long lastArrival =
        expectations.all().stream()
            .filter(Expectations.Expected::arrived)
            .mapToLong(e -> e.arrivedNanos)
            .max()
            .orElse(System.nanoTime());
    for (Expectations.Expected e : expectations.all()) {
      if (e.arrived() && !missing.contains(e)) {
        say("ok: " + e.describe() + " after " + millis(e.latency()));
      }
    }
    if (missing.isEmpty() && isolationOk) {
      say(
          String.format(
              Locale.ROOT,
              "demo passed: every expected alert arrived in time and the isolation round "
                  + "trip worked; %.1f s from start to the last alert",
              seconds(lastArrival)));
      return 0;
    }
    for (Expectations.Expected e : missing) {
      say(
          "MISSING: "
              + e.describe()
              + (e.arrived()
                  ? " (arrived after "
                      + millis(e.latency())
                      + ", limit "
                      + alertTimeoutSeconds
                      + " s)"
                  : " (no alert within " + alertTimeoutSeconds + " s)")
              + "; "
              + docker.state(e.containerId));
    }
    if (!isolationOk) {
      say("MISSING: S3 isolation round trip or S7 host B set-up (see the S3 and S7 lines above)");
    }
    throw CliFailure.failure(
        "demo failed: "
            + (missing.size() + (isolationOk ? 0 : 1))
            + " expectation(s) not met (listed above)");
  }

  private void cleanUp(DemoDocker docker, Suite suite, Path runDir) {
    List<String> ids = docker.startedIds();
    if (!ids.isEmpty()) {
      int failed = docker.removeAll();
      say(
          "removed "
              + (ids.size() - failed)
              + " demo container(s)"
              + (failed > 0
                  ? "; "
                      + failed
                      + " could not be removed: docker rm -f "
                      + String.join(" ", docker.startedIds())
                  : ""));
    }
    try {
      divergence.close();
    } catch (Exception e) {
      say("S7: host B's engine was not removed cleanly: " + e.getMessage());
    }
    suite.stop();
    deleteQuietly(runDir);
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Left behind under the data directory; harmless.
    }
  }

  private void say(String line) {
    synchronized (out) {
      out.printf(Locale.ROOT, "[%6.1fs] %s%n", seconds(System.nanoTime()), line);
      out.flush();
    }
  }

  private double seconds(long nanos) {
    return (nanos - startedNanos) / 1e9;
  }

  private static String millis(Duration duration) {
    return duration.toMillis() + " ms";
  }
}
