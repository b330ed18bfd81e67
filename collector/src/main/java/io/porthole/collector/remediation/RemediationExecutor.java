package io.porthole.collector.remediation;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.ContainerDirectory;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.runtime.Lifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out verified remediation commands on this host: dispatches each to the {@link
 * ActionHandler} of its action, on the target container's queue, which TTL restores and
 * re-isolations ({@link IsolationKeeper}) share. Never called with an unverified command: {@link
 * CommandConsumer} checks signature, expiry and host first.
 */
public final class RemediationExecutor implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(RemediationExecutor.class);

  private final RemediationConfig config;
  private final RemediationParts parts;
  private final ResultFactory results;
  private final ContainerQueue queue = new ContainerQueue();
  private final Map<RemediationAction, ActionHandler> handlers =
      new EnumMap<>(RemediationAction.class);
  private final WorkerExecutor workers;
  private final IsolationKeeper keeper;

  public RemediationExecutor(
      Vertx vertx, RemediationConfig config, String hostId, RemediationParts parts) {
    this.config = Objects.requireNonNull(config, "config");
    this.parts = Objects.requireNonNull(parts, "parts");
    this.results = new ResultFactory(hostId, parts.clock());
    this.workers =
        Objects.requireNonNull(vertx, "vertx")
            .createSharedWorkerExecutor(
                "porthole-remediation", config.maxConcurrentCommands() + 1, 1, TimeUnit.HOURS);
    RemediationSteps steps = new RemediationSteps(workers, parts.containers(), parts.veths());
    IsolateNetwork isolate =
        new IsolateNetwork(
            steps,
            parts.links(),
            parts.isolations(),
            results,
            config.maxTtl(),
            this::scheduleRestore);
    RestoreNetwork restore =
        new RestoreNetwork(steps, parts.links(), parts.isolations(), results, hostId);
    this.keeper = new IsolationKeeper(vertx, config, parts, queue, isolate, restore, results);
    register(isolate);
    register(restore);
    register(new CapturePackets(steps, parts.capture(), results, config));
    register(new ExtractFile(steps, parts.extractor(), results, config));
    register(
        new TraceSyscalls(
            steps, parts.tracer(), results, parts.results(), config.traceMaxDuration()));
  }

  /**
   * The executor with its real parts: {@code ip}/{@code nsenter} processes, docker-java, libpcap.
   */
  public static RemediationExecutor create(
      Vertx vertx,
      RemediationConfig config,
      String hostId,
      DockerClient docker,
      ContainerDirectory directory,
      SyscallTraceStarter tracer,
      ResultSink results) {
    return new RemediationExecutor(
        vertx,
        config,
        hostId,
        RemediationParts.of(
            config,
            docker,
            directory,
            tracer,
            results,
            new ProcessCommandRunner(),
            Clock.systemUTC()));
  }

  /**
   * Takes over the isolations recorded before: restores the expired ones now, schedules the others'
   * restores, re-isolates running ones whose veths came back; then listens for container starts.
   */
  @Override
  public Future<Void> start() {
    return workers
        .executeBlocking(() -> parts.isolations().load(), false)
        .map(
            recorded -> {
              keeper.resume(recorded);
              parts.directory().addListener(keeper);
              LOG.info("remediation executor started; {} isolation(s) in force", recorded.size());
              return null;
            });
  }

  @Override
  public Future<Void> stop() {
    // Isolations stay recorded: the next start takes them over.
    parts.directory().removeListener(keeper);
    keeper.stop();
    return workers.close();
  }

  /**
   * Carries out a verified command: the results to publish, in order (one, or one per artifact
   * chunk). Never fails: a refusal is a REJECTED result, an error a FAILED one.
   */
  public Future<List<RemediationResult>> execute(RemediationCommand command) {
    // Only what changes a container's links is serialised with its TTL restores and re-isolations;
    // a
    // capture or trace that runs for minutes must not hold an isolation or a restore back.
    boolean changesLinks =
        command.getAction() == RemediationAction.ISOLATE_NETWORK
            || command.getAction() == RemediationAction.RESTORE_NETWORK;
    return changesLinks ? queue.submit(command.getContainerId(), () -> run(command)) : run(command);
  }

  private Future<List<RemediationResult>> run(RemediationCommand command) {
    Instant started = results.now();
    ActionHandler handler = handlers.get(command.getAction());
    Future<List<RemediationResult>> outcome;
    try {
      outcome =
          handler == null
              ? Future.failedFuture(new RemediationRefused("unknown action " + command.getAction()))
              : handler.handle(command, started);
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    return outcome.recover(
        e -> Future.succeededFuture(List.of(results.failure(command, started, e))));
  }

  private void scheduleRestore(ActiveIsolation isolation) {
    keeper.scheduleRestore(isolation);
  }

  private void register(ActionHandler handler) {
    handlers.put(handler.action(), handler);
  }
}
