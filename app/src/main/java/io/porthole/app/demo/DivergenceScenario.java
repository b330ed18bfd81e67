package io.porthole.app.demo;

import io.porthole.app.ServiceFactory;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * S7: the same image failing on one host and working on another. A second Docker engine on this
 * machine plays host B (its own bridge, a seccomp profile answering memfd_create with ENOSYS), with
 * a second collector in this process; the demo's own engine is host A. The memfd_create probe runs
 * traced on both, and the analyzer raises HOST_DIVERGENCE for host B's container.
 */
final class DivergenceScenario implements AutoCloseable {

  private static final Duration ENGINE_TIMEOUT = Duration.ofSeconds(60);

  private final ServiceFactory services;
  private final Path workDir;
  private SecondEngine engine;
  private Lifecycle collector;
  private volatile String containerB = ""; // read by the alert watcher's thread

  DivergenceScenario(ServiceFactory services, Path workDir) {
    this.services = Objects.requireNonNull(services, "services");
    this.workDir = Objects.requireNonNull(workDir, "workDir");
  }

  /** Compiles the probe, starts host B (engine and collector); returns the probe's directory. */
  Path prepare(
      Vertx vertx, Settings suiteSettings, String bootstrapServers, String hostB, String image)
      throws Exception {
    Path probeDir = Files.createDirectories(workDir.resolve("s7-probe"));
    MemfdProbe.compile(probeDir);
    engine = SecondEngine.start(MemfdProbe.DENY_MEMFD_PROFILE, ENGINE_TIMEOUT);
    engine.loadImage(image);
    collector =
        services.collector(
            vertx,
            suiteSettings.with(
                Map.of(
                    "host.id",
                    hostB,
                    "docker.host",
                    engine.dockerHost(),
                    "kafka.bootstrap.servers",
                    bootstrapServers,
                    // Host B only plays a host that runs the image; remediation stays with host A's
                    // collector.
                    "remediation.enabled",
                    "false")));
    collector.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return probeDir;
  }

  /** Runs the probe, traced, on host B; returns the container id. */
  String runOnHostB(String name, String image, Path probeDir) throws Exception {
    containerB =
        engine
            .docker(
                "run",
                "-d",
                "--name",
                name,
                "--label",
                "porthole.trace=syscalls",
                "-v",
                probeDir + ":/probe:ro",
                image,
                "/probe/memfd-probe")
            .trim();
    return containerB;
  }

  boolean isOwn(String containerId) {
    return !containerB.isEmpty() && containerB.equals(containerId);
  }

  /**
   * Stops host B's collector, then removes the engine with its containers, bridge and directories.
   */
  @Override
  public synchronized void close() throws Exception {
    Lifecycle running = collector;
    SecondEngine started = engine;
    collector = null;
    engine = null;
    try {
      if (running != null) {
        running.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      if (started != null) {
        started.close();
      }
    }
  }
}
