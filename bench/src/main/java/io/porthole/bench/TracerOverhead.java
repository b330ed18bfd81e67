package io.porthole.bench;

import com.sun.management.OperatingSystemMXBean;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.ContainerInfo;
import io.porthole.collector.DockerClients;
import io.porthole.collector.EventSink;
import io.porthole.collector.HostContext;
import io.porthole.collector.publish.KafkaEventSink;
import io.porthole.collector.strace.StraceConfig;
import io.porthole.collector.strace.SyscallTracer;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The strace overhead figure: a syscall-heavy busybox loop in a container, timed inside the
 * container, untraced, traced by plain {@code strace -f -q -o /dev/null -p PID}, and traced by the
 * collector's {@link SyscallTracer} (publishing through the collector's sink to the broker). The
 * loop starts only when {@code /tmp/go} appears, after the tracer is attached and its lines flow.
 * Usage: {@code tracer NAME_PREFIX LOOPS ITERATIONS [BOOTSTRAP]}.
 */
final class TracerOverhead {

  private static final String IMAGE = "porthole/busybox:test";

  private TracerOverhead() {}

  static void run(Results results, String[] args) throws Exception {
    String prefix = args[0];
    int loops = Integer.parseInt(args[1]);
    int iterations = Integer.parseInt(args[2]);
    String bootstrap = args.length > 3 ? args[3] : null;

    Vertx vertx = Vertx.vertx();
    try {
      measure(results, vertx, prefix, loops, iterations, bootstrap);
    } finally {
      // also when a round fails: vert.x's non-daemon threads would keep the JVM (and bench/run)
      // waiting
      vertx.close().await();
    }
  }

  private static void measure(
      Results results, Vertx vertx, String prefix, int loops, int iterations, String bootstrap)
      throws Exception {
    CollectorStats stats = new CollectorStats();
    RecordPublisher publisher = null;
    EventSink sink;
    if (bootstrap != null) {
      publisher =
          RecordPublisher.create(
              vertx,
              KafkaSettings.of(bootstrap),
              "bench-tracer",
              TopicNames.withPrefix(prefix + "."),
              10_000);
      publisher.start().await();
      sink = new KafkaEventSink(publisher, stats);
    } else {
      sink = (topic, envelope) -> {};
    }
    ContainerDirectory directory = new ContainerDirectory();
    SyscallTracer tracer =
        new SyscallTracer(
            new HostContext(
                vertx,
                Events.HOST,
                DockerClients.create(DockerClients.DEFAULT_DOCKER_HOST, Duration.ofSeconds(30)),
                directory,
                sink,
                stats,
                // where the tracer writes down the containers it pauses, as the collector does
                Files.createTempDirectory("porthole-bench-tracer")),
            StraceConfig.defaults());
    tracer.start().await();
    if (tracer.degradedReason().isPresent()) {
      throw new IllegalStateException("SyscallTracer degraded: " + tracer.degradedReason().get());
    }

    List<Double> untraced = new ArrayList<>();
    List<Double> plain = new ArrayList<>();
    List<Double> options = new ArrayList<>();
    List<Double> collector = new ArrayList<>();
    List<Double> plainSlowdown = new ArrayList<>();
    List<Double> collectorSlowdown = new ArrayList<>();
    List<Double> straceCpuOptions = new ArrayList<>();
    List<Double> straceCpu = new ArrayList<>();
    List<Double> jvmCpu = new ArrayList<>();
    List<Double> straceShare = new ArrayList<>();
    List<Double> pairedRatio = new ArrayList<>();
    // iteration 0 is a warm-up, not counted: the JIT compiles the tracer's reader, parser and sink
    // through the collector's first trace (its JVM's CPU was 3-10 times that of later ones)
    for (int i = 0; i <= iterations; i++) {
      String untracedName = prefix + "-u" + i;
      String plainName = prefix + "-s" + i;
      String optionsName = prefix + "-o" + i;
      String collectorName = prefix + "-c" + i;
      Map<String, Attach> attachments = new LinkedHashMap<>();
      attachments.put(untracedName, name -> null);
      attachments.put(plainName, name -> plainStrace(name, List.of()));
      attachments.put(
          optionsName,
          name ->
              plainStrace(
                  name, List.of("-tt", "-T", "-e", "trace=" + StraceConfig.DEFAULT_SYSCALLS)));
      attachments.put(
          collectorName,
          name -> {
            String id = docker("inspect", "--format", "{{.Id}}", name).trim();
            directory.running(
                new ContainerInfo(id, name, IMAGE, pid(name), Map.of(), List.of(), "bridge"));
            long seen = stats.syscallEventsSeen.get();
            // The future completes when the trace ends; attached is when its syscalls start to
            // arrive.
            tracer
                .trace(id, Duration.ofMinutes(5), "bench")
                .onFailure(e -> System.out.println("trace of " + name + " failed: " + e));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (stats.syscallEventsSeen.get() == seen && System.nanoTime() < deadline) {
              Thread.sleep(20);
            }
            if (stats.syscallEventsSeen.get() == seen) {
              throw new IllegalStateException(
                  "the SyscallTracer saw no syscall of " + name + " in 30 s");
            }
            return () -> directory.stopped(id);
          });
      Map<String, Round> rounds = runRotated(attachments, loops, i);
      Round untracedRound = rounds.get(untracedName);
      double base = untracedRound.seconds();
      double strace = rounds.get(plainName).seconds();
      Round optionsRound = rounds.get(optionsName);
      double straceOptions = optionsRound.seconds();
      Round tracedRound = rounds.get(collectorName);
      double traced = tracedRound.seconds();
      // The driver's own CPU (docker CLI polling) is in every round: the untraced round's JVM
      // time per second is taken off the collector round's, leaving the tracer's reader, parser
      // and sink.
      double driverCpuPerSecond =
          untracedRound.seconds() > 0 ? untracedRound.jvmCpuSeconds() / untracedRound.seconds() : 0;
      double jvm =
          Math.max(0, tracedRound.jvmCpuSeconds() - driverCpuPerSecond * tracedRound.seconds());
      System.out.printf(
          "tracer %s %d: untraced %.2f s, strace %.2f s, strace with the collector's "
              + "options %.2f s,"
              + " collector %.2f s (CPU: strace %.2f s, the collector's JVM %.2f s; strace with"
              + " the collector's options alone %.2f s)%n",
          i == 0 ? "warm-up round" : "round",
          i,
          base,
          strace,
          straceOptions,
          traced,
          tracedRound.straceCpuSeconds(),
          jvm,
          optionsRound.straceCpuSeconds());
      if (i == 0) {
        continue;
      }
      straceCpuOptions.add(optionsRound.straceCpuSeconds());
      straceCpu.add(tracedRound.straceCpuSeconds());
      jvmCpu.add(jvm);
      double total = tracedRound.straceCpuSeconds() + jvm;
      straceShare.add(total > 0 ? 100.0 * tracedRound.straceCpuSeconds() / total : 0);
      untraced.add(base);
      plain.add(strace);
      options.add(straceOptions / base);
      collector.add(traced);
      plainSlowdown.add(strace / base);
      collectorSlowdown.add(traced / base);
      pairedRatio.add(100.0 * traced / strace);
    }
    results.measured("tracer.untraced", "s", untraced);
    results.measured("tracer.strace_seconds", "s", plain);
    results.measured("tracer.collector_seconds", "s", collector);
    results.measured("tracer.strace", "x slower", plainSlowdown);
    results.measured("tracer.strace_collector_options", "x slower", options);
    results.measured("tracer.collector", "x slower", collectorSlowdown);
    results.measured("tracer.paired_ratio", "%", pairedRatio);
    results.measured("tracer.cpu_strace", "s", straceCpu);
    results.measured("tracer.cpu_jvm", "s", jvmCpu);
    results.measured("tracer.cpu_strace_share", "%", straceShare);
    results.measured("tracer.cpu_strace_collector_options", "s", straceCpuOptions);
    results.info(
        "tracer.cpu_how",
        "CPU seconds while the program's loop ran: strace's from /proc (utime + stime of the"
            + " strace processes this JVM started: the SyscallTracer's, or the plain one), the"
            + " collector's JVM time from OperatingSystemMXBean.getProcessCpuTime minus the JVM"
            + " time per second of the untraced round of the same iteration times the round's"
            + " length (the driver's own polling);"
            + " share = strace / (strace + JVM). tracer.cpu_strace_collector_options: the plain"
            + " strace with the collector's options writing to /dev/null, for comparison");
    results.info(
        "tracer.how",
        "busybox sh loop of "
            + loops
            + " x (ls -la /bin; cat /etc/hostname) in a "
            + IMAGE
            + " container, timed inside with /proc/uptime (10 ms resolution); one warm-up"
            + " iteration (not counted), then "
            + iterations
            + "; each iteration"
            + " runs its four rounds (untraced, plain strace, strace with the collector's options,"
            + " collector) in a fresh container each, starting one round later than the iteration"
            + " before; slowdown = traced time / untraced time of the same iteration;"
            + " tracer.paired_ratio = collector time / plain strace time of the same iteration;"
            + " plain strace: strace -f -q -o /dev/null -p PID; "
            + "tracer.strace_collector_options: strace with"
            + " the collector's options (-tt -T -e trace=...) writing to /dev/null, to "
            + "tell strace's cost from the reader's; collector: SyscallTracer.trace "
            + "(strace -f"
            + " -q -tt -T -e trace="
            + StraceConfig.DEFAULT_SYSCALLS
            + ", parser, batches to "
            + (bootstrap == null ? "a discarding sink" : "Kafka through KafkaEventSink")
            + "); syscalls seen by the tracer "
            + stats.syscallEventsSeen.get());
    tracer.stop().await();
    if (publisher != null) {
      publisher.stop().await();
    }
  }

  /**
   * Runs one iteration's rounds, each in its own container, starting at a different round in each
   * iteration (round {@code iteration % n} first, then on in turn), so that no kind of round always
   * follows the cleanup of the same other one.
   */
  private static Map<String, Round> runRotated(
      Map<String, Attach> attachments, int loops, int iteration) throws Exception {
    List<String> names = new ArrayList<>(attachments.keySet());
    Collections.rotate(names, -(iteration % names.size()));
    Map<String, Round> rounds = new LinkedHashMap<>();
    for (String name : names) {
      rounds.put(name, once(name, loops, attachments.get(name)));
    }
    return rounds;
  }

  interface Attach {
    Detach attach(String name) throws Exception;
  }

  interface Detach {
    void detach() throws Exception;
  }

  /**
   * One round: the loop's time, and the CPU that strace (the processes this JVM started) and this
   * JVM used from the start of the loop to its end.
   */
  private record Round(double seconds, double straceCpuSeconds, double jvmCpuSeconds) {}

  /**
   * Runs the loop in a fresh container once, with a tracer attached before it starts. The container
   * waits for /tmp/end after its loop, so that strace's CPU is read while it still runs.
   */
  private static Round once(String name, int loops, Attach attach) throws Exception {
    String script =
        "while [ ! -e /tmp/go ]; do sleep 0.05; done; read a r </proc/uptime; i=0; while [ $i -lt "
            + loops
            + " ]; do ls -la /bin >/dev/null; cat /etc/hostname >/dev/null; i=$((i+1)); "
            + "done; read b r </proc/uptime;"
            + " echo elapsed_cs $(( ${b%.*}${b#*.} - ${a%.*}${a#*.} ));"
            + " while [ ! -e /tmp/end ]; do sleep 0.05; done";
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c", script);
    Detach detach = null;
    try {
      detach = attach.attach(name);
      double straceBefore = straceCpuSeconds();
      double jvmBefore = jvmCpuSeconds();
      docker("exec", name, "touch", "/tmp/go");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (System.nanoTime() < deadline) {
        String logs = docker("logs", name);
        int at = logs.indexOf("elapsed_cs ");
        if (at >= 0) {
          double straceCpu = straceCpuSeconds() - straceBefore;
          double jvmCpu = jvmCpuSeconds() - jvmBefore;
          docker("exec", name, "touch", "/tmp/end");
          return new Round(
              Long.parseLong(logs.substring(at + 11).trim().split("\\s+")[0]) / 100.0,
              straceCpu,
              jvmCpu);
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException(name + " did not finish its loop in 5 minutes");
    } finally {
      if (detach != null) {
        detach.detach();
      }
      docker("rm", "-f", name);
    }
  }

  /** CPU seconds (user + system) of the strace processes this JVM started that still run. */
  private static double straceCpuSeconds() {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/strace")).orElse(false))
        .mapToDouble(p -> p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0))
        .sum();
  }

  /** CPU seconds (user + system) of this JVM. */
  private static double jvmCpuSeconds() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  /** Plain {@code strace -f -q OPTIONS -o /dev/null -p PID} on the container's main process. */
  private static Detach plainStrace(String name, List<String> options) throws Exception {
    int pid = pid(name);
    List<String> command = new ArrayList<>(List.of("strace", "-f", "-q"));
    command.addAll(options);
    command.addAll(List.of("-o", "/dev/null", "-p", Integer.toString(pid)));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    // the TZ the SyscallTracer gives its strace (no stat of /etc/localtime per -tt timestamp)
    builder.environment().putIfAbsent("TZ", ":/etc/localtime");
    Process process = builder.start();
    awaitTraced(pid);
    return () -> {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    };
  }

  private static int pid(String name) throws Exception {
    return Integer.parseInt(docker("inspect", "--format", "{{.State.Pid}}", name).trim());
  }

  private static void awaitTraced(int pid) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("TracerPid:") && !line.endsWith("\t0")) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("strace did not attach to " + pid + " in 30 s");
  }

  static String docker(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("docker");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output.trim());
    }
    return output;
  }
}
