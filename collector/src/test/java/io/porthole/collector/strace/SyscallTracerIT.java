package io.porthole.collector.strace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.collector.EventSink;
import io.porthole.collector.HostContext;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallEvent;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.testing.TestDocker;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real engine, real strace, real Kafka: labelled containers are traced from their start, containers
 * are traced on demand for a bounded time, and no strace process outlives its trace.
 */
class SyscallTracerIT {

  private static final String HOST = "it-host";
  private static final String PROBE = "sleep 2; cat /etc/selinux/config || exit 12";

  private static Vertx vertx;
  private static DockerClient docker;
  private static long straceCountBefore;
  private static final List<ProcessHandle> straceStarted = new CopyOnWriteArrayList<>();

  @TempDir Path dataDir;
  private TopicNames topics;
  private RecordPublisher publisher;
  private ContainerDirectory directory;
  private CollectorStats stats;
  private SyscallTracer tracer;
  private final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void startVertx() throws Exception {
    vertx = Vertx.vertx();
    docker = TestDocker.client();
    straceCountBefore = pgrepStrace();
  }

  @AfterAll
  static void noStraceSurvives() throws Exception {
    try {
      await(
          "the strace processes this JVM started to be gone",
          Duration.ofSeconds(10),
          () ->
              straceStarted.stream().noneMatch(ProcessHandle::isAlive)
                  && ProcessHandle.current().descendants().noneMatch(SyscallTracerIT::isStrace));
      assertThat(pgrepStrace()).isLessThanOrEqualTo(straceCountBefore);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      docker.close();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    topics = TopicNames.withPrefix("it-" + UUID.randomUUID().toString().substring(0, 8) + ".");
    SharedKafka.createTopics(3, topics.name(Topic.SYSCALLS));
    publisher =
        RecordPublisher.create(
            vertx, KafkaSettings.of(SharedKafka.bootstrapServers()), "strace-it", topics, 10_000);
    EventSink sink =
        (topic, envelope) ->
            publisher.publish(
                topic,
                new RecordKey(envelope.getHostId(), envelope.getContainerId()).asString(),
                envelope);
    directory = new ContainerDirectory();
    stats = new CollectorStats();
    tracer =
        new SyscallTracer(
            new HostContext(vertx, HOST, docker, directory, sink, stats, dataDir),
            config("strace"));
    tracer.start().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    straceStarted.addAll(tracer.straceProcesses());
    tracer.stop().await(20, TimeUnit.SECONDS);
    assertThat(tracer.straceProcesses()).isEmpty();
    publisher.stop().await(10, TimeUnit.SECONDS);
    for (String id : containers) {
      docker.removeContainerCmd(id).withForce(true).exec();
    }
  }

  @Test
  void labelledContainerYieldsTheFailingOpenOfTheSelinuxConfigAndExitCode12() throws Exception {
    String id =
        run("selinux", Map.of(SyscallTracer.TRACE_LABEL, SyscallTracer.TRACE_LABEL_VALUE), PROBE);
    ContainerInfo info = inspect(id);
    directory.running(info); // what the Docker source does on the start event
    await(
        "strace to trace the container",
        Duration.ofSeconds(10),
        () -> captureStraces() && !tracer.straceProcesses().isEmpty());

    int exitCode = docker.waitContainerCmd(id).start().awaitStatusCode(30, TimeUnit.SECONDS);
    assertThat(exitCode).isEqualTo(12);
    directory.stopped(id);
    await(
        "the trace to end with its container",
        Duration.ofSeconds(10),
        () -> tracer.tracedContainers().isEmpty());

    List<EventEnvelope> batches =
        consumeUntil(
            id,
            all ->
                syscalls(all).anyMatch(SyscallTracerIT::isSelinuxConfigOpenFailing)
                    && exits(all).anyMatch(e -> e.hasExitCode() && e.getExitCode() == 12));
    SyscallEvent open =
        syscalls(batches)
            .filter(SyscallTracerIT::isSelinuxConfigOpenFailing)
            .findFirst()
            .orElseThrow();
    assertThat(open.getErrnoText()).isEqualTo("No such file or directory");
    assertThat(open.getReturnCode()).isEqualTo(-1);
    assertThat(open.getHostPid()).isPositive();
    assertThat(open.hasTime()).isTrue();
    ProcessExit exit =
        exits(batches)
            .filter(e -> e.hasExitCode() && e.getExitCode() == 12)
            .findFirst()
            .orElseThrow();
    assertThat(exit.getHostPid()).isEqualTo(info.pid());
    assertThat(
            exits(batches)
                .filter(e -> e.getHostPid() == open.getHostPid())
                .map(ProcessExit::getExitCode))
        .containsExactly(1); // cat failed; the shell exited with 12
    assertThat(batches)
        .allSatisfy(
            b -> {
              assertThat(b.getHostId()).isEqualTo(HOST);
              assertThat(b.getContainerId()).isEqualTo(id);
              assertThat(b.getSyscalls().getTraceReason()).isEqualTo(SyscallTracer.LABEL_REASON);
            });
    assertThat(stats.straceProcessesStarted.get()).isEqualTo(1);
    assertThat(stats.syscallEventsSeen.get()).isPositive();
    assertThat(docker.inspectContainerCmd(id).exec().getState().getPaused()).isFalse();
  }

  @Test
  void onDemandTraceOfARunningContainerEndsByItselfAndLeavesTheContainerRunning() throws Exception {
    String id =
        run("ondemand", Map.of(), "while true; do cat /etc/hostname > /dev/null; sleep 0.2; done");
    directory.running(inspect(id));
    assertThat(tracer.tracedContainers()).isEmpty(); // not labelled

    Instant started = Instant.now();
    Future<Void> trace = tracer.trace(id, Duration.ofSeconds(2), "command:it-1");
    await(
        "strace to trace the container",
        Duration.ofSeconds(10),
        () -> captureStraces() && !tracer.straceProcesses().isEmpty());
    List<ProcessHandle> straces = tracer.straceProcesses();
    trace.await(20, TimeUnit.SECONDS);

    assertThat(Duration.between(started, Instant.now()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(tracer.tracedContainers()).isEmpty();
    await(
        "the strace process to exit",
        Duration.ofSeconds(5),
        () -> straces.stream().noneMatch(ProcessHandle::isAlive));
    InspectContainerResponse.ContainerState state =
        docker.inspectContainerCmd(id).exec().getState();
    assertThat(state.getRunning()).isTrue();
    assertThat(state.getPaused()).isFalse();
    List<EventEnvelope> batches =
        consumeUntil(
            id,
            all ->
                syscalls(all)
                    .anyMatch(
                        s -> s.getPath().equals("/etc/hostname") && s.getErrnoName().isEmpty()));
    assertThat(batches)
        .allSatisfy(b -> assertThat(b.getSyscalls().getTraceReason()).isEqualTo("command:it-1"));
    assertThat(
            syscalls(batches)
                .filter(s -> s.getPath().equals("/etc/hostname"))
                .findFirst()
                .orElseThrow()
                .getName())
        .isIn("openat", "open");
  }

  @Test
  void failuresNameTheirReasonAndNeverCrash() throws Exception {
    assertThatThrownBy(
            () ->
                tracer
                    .trace("porthole-it-no-such-container", Duration.ofSeconds(1), "command:x")
                    .await(5, TimeUnit.SECONDS))
        .hasMessageContaining(
            "no running container 'porthole-it-no-such-container' on host it-host");

    directory.running(
        new ContainerInfo(
            "f".repeat(64),
            "porthole-it-gone",
            "busybox",
            Integer.MAX_VALUE - 7,
            Map.of(),
            List.of(),
            "bridge"));
    assertThatThrownBy(
            () ->
                tracer
                    .trace("porthole-it-gone", Duration.ofSeconds(1), "command:x")
                    .await(10, TimeUnit.SECONDS))
        .hasMessageContaining("has no running process");
    assertThat(tracer.tracedContainers()).isEmpty();

    SyscallTracer single =
        new SyscallTracer(
            anotherTracersContext("single"),
            StraceConfig.from(Settings.of(Map.of(StraceConfig.MAX_CONCURRENT, "1"))));
    single.start().await(10, TimeUnit.SECONDS);
    try {
      String first = run("bound1", Map.of(), "sleep 60");
      String second = run("bound2", Map.of(), "sleep 60");
      directory.running(inspect(first));
      directory.running(inspect(second));
      Future<Void> firstTrace = single.trace(first, Duration.ofSeconds(2), "command:a");
      await(
          "the first trace to attach",
          Duration.ofSeconds(10),
          () -> {
            straceStarted.addAll(single.straceProcesses());
            return !single.straceProcesses().isEmpty();
          });
      assertThatThrownBy(
              () ->
                  single
                      .trace(second, Duration.ofSeconds(1), "command:b")
                      .await(5, TimeUnit.SECONDS))
          .hasMessageContaining("already tracing 1 containers (strace.max.concurrent=1)");
      firstTrace.await(20, TimeUnit.SECONDS);
      assertThat(single.tracedContainers()).isEmpty();
    } finally {
      single.stop().await(20, TimeUnit.SECONDS);
    }

    SyscallTracer withoutStrace =
        new SyscallTracer(anotherTracersContext("without-strace"), config("/nonexistent/strace"));
    withoutStrace.start().await(10, TimeUnit.SECONDS);
    try {
      assertThat(withoutStrace.degradedReason())
          .hasValue("strace binary '/nonexistent/strace' not found (strace.binary)");
      String id = run("nostrace", Map.of(), "sleep 30");
      directory.running(inspect(id));
      assertThatThrownBy(
              () ->
                  withoutStrace
                      .trace(id, Duration.ofSeconds(1), "command:x")
                      .await(5, TimeUnit.SECONDS))
          .hasMessageContaining("strace binary '/nonexistent/strace' not found");
    } finally {
      withoutStrace.stop().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void straceEndsWhenTheCollectorIsKilledWithoutShutdownHooks() throws Exception {
    String id =
        run("orphan", Map.of(), "while true; do cat /etc/hostname > /dev/null; sleep 0.2; done");
    ContainerInfo info = inspect(id);
    String java = ProcessHandle.current().info().command().orElse("java");
    Process collector =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                OrphanProbe.class.getName(),
                id,
                Integer.toString(info.pid()))
            .redirectErrorStream(true)
            .start();
    int stracePid;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(collector.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      String pid = null;
      List<String> output = new ArrayList<>();
      while (pid == null && (line = out.readLine()) != null) {
        output.add(line);
        if (line.startsWith("STRACE ")) {
          pid = line.substring(7);
        }
      }
      assertThat(pid).as("the probe's output: %s", output).isNotNull();
      stracePid = Integer.parseInt(pid);
      ProcessHandle strace = ProcessHandle.of(stracePid).orElseThrow();
      straceStarted.add(strace);
      assertThat(new ContainerProcesses().tracerOf(info.pid())).isEqualTo(stracePid);
      // ahead of the collector's threads where it may raise a priority (root here), behind setpriv
      assertThat(niceness(stracePid))
          .isEqualTo(
              StraceCommand.mayRaisePriority(Path.of("/proc/self/status"))
                  ? StraceCommand.NICENESS
                  : 0);

      collector.destroyForcibly(); // SIGKILL: no shutdown hook runs
      collector.waitFor(10, TimeUnit.SECONDS);
      await(
          "strace to end with the killed collector",
          Duration.ofSeconds(10),
          () -> !strace.isAlive());
    } finally {
      collector.destroyForcibly();
    }
    assertThat(new ContainerProcesses().tracerOf(info.pid())).isZero(); // detached, not killed
    assertThat(docker.inspectContainerCmd(id).exec().getState().getRunning()).isTrue();
  }

  // ------------------------------------------------------------------------------------------

  /** The niceness of a process: field 19 of /proc/PID/stat (after the command in parentheses). */
  private static int niceness(int pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(fields[16]); // fields from the state (3rd): nice is the 19th
  }

  private static StraceConfig config(String binary) {
    return StraceConfig.from(
        Settings.of(Map.of(StraceConfig.BINARY, binary, StraceConfig.BATCH_INTERVAL, "200ms")));
  }

  private boolean captureStraces() {
    straceStarted.addAll(tracer.straceProcesses());
    return true;
  }

  private String run(String what, Map<String, String> labels, String script) {
    String name = "porthole-it-strace-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    String id =
        docker
            .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
            .withName(name)
            .withLabels(labels)
            .withCmd("sh", "-c", script)
            .exec()
            .getId();
    containers.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  private ContainerInfo inspect(String id) {
    InspectContainerResponse inspect = docker.inspectContainerCmd(id).exec();
    return new ContainerInfo(
        inspect.getId(),
        inspect.getName().replaceFirst("^/", ""),
        inspect.getConfig().getImage(),
        inspect.getState().getPidLong().intValue(),
        inspect.getConfig().getLabels() == null ? Map.of() : inspect.getConfig().getLabels(),
        List.of(),
        inspect.getHostConfig().getNetworkMode());
  }

  private List<EventEnvelope> consumeUntil(String containerId, Predicate<List<EventEnvelope>> done)
      throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "strace-it-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<EventEnvelope> received = new ArrayList<>();
    String key = new RecordKey(HOST, containerId).asString();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topics.name(Topic.SYSCALLS)));
      Instant deadline = Instant.now().plusSeconds(30);
      while (!done.test(received)) {
        assertThat(Instant.now())
            .as("batches on %s for %s: %s", topics.name(Topic.SYSCALLS), key, received)
            .isBefore(deadline);
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          assertThat(record.key()).isEqualTo(key);
          received.add(EventEnvelope.parseFrom(record.value()));
        }
      }
    }
    return received;
  }

  private static Stream<SyscallEvent> syscalls(List<EventEnvelope> batches) {
    return batches.stream().flatMap(b -> b.getSyscalls().getSyscallsList().stream());
  }

  private static Stream<ProcessExit> exits(List<EventEnvelope> batches) {
    return batches.stream().flatMap(b -> b.getSyscalls().getExitsList().stream());
  }

  private static boolean isSelinuxConfigOpenFailing(SyscallEvent s) {
    return (s.getName().equals("openat") || s.getName().equals("open"))
        && s.getPath().equals("/etc/selinux/config")
        && s.getErrnoName().equals("ENOENT");
  }

  private static boolean isStrace(ProcessHandle p) {
    return p.info().command().map(c -> c.endsWith("/strace")).orElse(false);
  }

  private static long pgrepStrace() throws IOException, InterruptedException {
    Process pgrep = new ProcessBuilder("pgrep", "-x", "strace").redirectErrorStream(true).start();
    String out = new String(pgrep.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    pgrep.waitFor(5, TimeUnit.SECONDS);
    return out.lines().filter(l -> !l.isBlank()).count();
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    Await.until(what, timeout, condition::getAsBoolean);
  }

  /**
   * A second tracer's context: the same engine and directory, a sink that drops, and its own data
   * dir (its start unpauses what the paused-containers file there names, which must never be what
   * the running tracer paused mid-attach).
   */
  private HostContext anotherTracersContext(String name) throws IOException {
    return new HostContext(
        vertx,
        HOST,
        docker,
        directory,
        (t, e) -> {},
        new CollectorStats(),
        Files.createTempDirectory(dataDir, name));
  }
}
