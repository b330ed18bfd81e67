package io.porthole.collector.strace;

import io.porthole.collector.CollectorStats;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One strace process attached to every process of one container, its reader thread, parser and
 * batcher. Blocking: {@link #attach} runs off the event loop. The reader thread starts strace
 * itself and lives as long as it does, so that strace's parent-death signal (set through {@code
 * setpriv --pdeathsig}) fires only when this JVM dies.
 */
final class TraceSession {

  private static final Logger LOG = LoggerFactory.getLogger(TraceSession.class);
  private static final Duration TERMINATE_GRACE = Duration.ofSeconds(3);

  private final String containerId;
  private final int mainPid;
  private final String reason;
  private final StraceCommand command;
  private final ContainerProcesses processes;
  private final SyscallBatcher batcher;
  private final CollectorStats stats;
  private final BatchingListener listener;
  private final CompletableFuture<Process> started = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private volatile Process process;
  private volatile boolean ending;
  private volatile boolean readerStarted;
  private volatile String endReason = "strace ended";

  TraceSession(
      String containerId,
      int mainPid,
      String reason,
      StraceCommand command,
      ContainerProcesses processes,
      SyscallBatcher batcher,
      CollectorStats stats) {
    this.containerId = Objects.requireNonNull(containerId, "containerId");
    this.mainPid = mainPid;
    this.reason = Objects.requireNonNull(reason, "reason");
    this.command = Objects.requireNonNull(command, "command");
    this.processes = Objects.requireNonNull(processes, "processes");
    this.batcher = Objects.requireNonNull(batcher, "batcher");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.listener = new BatchingListener(batcher, stats, millis -> {});
  }

  /**
   * Lists the container's processes, starts strace on them and waits until strace traces them.
   * Blocking. The caller pauses the container around this call.
   *
   * @throws StraceException naming why tracing could not start (the session is then ended)
   */
  void attach(Duration timeout) throws StraceException {
    List<Integer> pids = processes.of(mainPid);
    if (pids.isEmpty()) {
      throw fail(
          "container " + shortId() + " has no running process (main pid " + mainPid + " is gone)");
    }
    List<String> argv = command.argv(pids);
    Thread reader = new Thread(() -> run(argv, pids), "porthole-strace-" + shortId());
    reader.setDaemon(true);
    readerStarted = true;
    if (ending) {
      ended.complete(null); // the reader never runs
      throw fail(
          "tracing of container " + shortId() + " ended (" + endReason + ") before strace started");
    }
    reader.start();
    Process p;
    try {
      p = started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw fail(e.getCause().getMessage());
    } catch (CancellationException e) {
      throw fail(
          "tracing of container " + shortId() + " ended (" + endReason + ") before strace started");
    } catch (TimeoutException e) {
      throw fail("strace did not start within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail("interrupted while starting strace");
    }
    awaitAttached(p, pids, timeout);
  }

  private void awaitAttached(Process p, List<Integer> pids, Duration timeout)
      throws StraceException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int tracer = (int) p.pid();
    while (true) {
      int attached = 0;
      int settled = 0;
      List<Integer> foreign = new ArrayList<>();
      for (int pid : pids) {
        int tracedBy = processes.tracerOf(pid);
        if (tracedBy == tracer) {
          attached++;
          settled++;
        } else if (tracedBy == -1) {
          settled++; // exited meanwhile
        } else if (tracedBy != 0) {
          foreign.add(pid);
          settled++;
        }
      }
      if (attached > 0 && settled == pids.size()) {
        if (!foreign.isEmpty()) {
          LOG.atWarn()
              .addKeyValue("container_id", containerId)
              .log(
                  "strace for container {}: processes {} are traced by another tracer and were"
                      + " skipped",
                  shortId(),
                  foreign);
        }
        LOG.atInfo()
            .addKeyValue("container_id", containerId)
            .log(
                "strace (pid {}) attached to {} process(es) of container {} ({})",
                tracer,
                attached,
                shortId(),
                reason);
        return;
      }
      if (!p.isAlive() || settled == pids.size() || System.nanoTime() > deadline) {
        String why =
            !p.isAlive()
                ? "strace exited with status " + exitStatus(p)
                : attached == 0 && settled == pids.size()
                    ? "every process is gone or traced by another tracer " + foreign
                    : "strace did not attach within " + timeout.toMillis() + " ms";
        List<String> notices = awaitNotices(p);
        throw fail(
            "cannot trace container "
                + shortId()
                + " (pids "
                + pids
                + "): "
                + why
                + (notices.isEmpty() ? "" : ": " + String.join("; ", notices)));
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail("interrupted while attaching");
      }
    }
  }

  private List<String> awaitNotices(Process p) {
    try {
      p.waitFor(500, TimeUnit.MILLISECONDS); // its last words arrive as it exits
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return listener.notices();
  }

  /** The reader thread: starts strace and feeds its output to the parser until it ends. */
  private void run(List<String> argv, List<Integer> pids) {
    Process p;
    try {
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().putAll(StraceCommand.environment(builder.environment()));
      p = builder.start();
    } catch (IOException | RuntimeException e) {
      started.completeExceptionally(
          new StraceException(
              "cannot run strace binary '" + command.binary() + "': " + e.getMessage()));
      ended.complete(null);
      return;
    }
    process = p;
    stats.straceProcessesStarted.incrementAndGet();
    StraceLineParser parser =
        new StraceLineParser(
            LocalDate.now(ZoneId.systemDefault()), ZoneId.systemDefault(), listener);
    pids.forEach(parser::tracing);
    if (!started.complete(p) || ending) {
      // the attach gave up before strace even started: it must not run untracked
      terminate(p);
      ended.complete(null);
      return;
    }
    try (InputStream output = p.getInputStream()) {
      new StraceOutputReader(output, parser::accept).readAll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.atWarn()
          .addKeyValue("container_id", containerId)
          .log("reading the strace output of container {} was interrupted", shortId());
    } catch (IOException | RuntimeException e) {
      if (!ending) {
        LOG.atWarn()
            .addKeyValue("container_id", containerId)
            .log("strace output of container {} broke off: {}", shortId(), e.toString());
      }
    } finally {
      parser.finish();
      batcher.flush();
      terminate(p);
      LOG.atInfo()
          .addKeyValue("container_id", containerId)
          .log(
              "strace of container {} ended ({}): {} lines, {} syscalls, {} exits, {} unparsed",
              shortId(),
              endReason,
              parser.linesRead(),
              parser.syscalls(),
              parser.exits(),
              parser.linesUnparsed());
      ended.complete(null);
    }
  }

  /**
   * Ends tracing: strace detaches on SIGTERM, and is killed if it has not gone after a grace
   * period.
   */
  void end(String why) {
    if (!ending) {
      endReason = why;
      ending = true;
    }
    Process p = process;
    if (p == null) {
      started.cancel(false);
      if (!readerStarted) {
        ended.complete(null); // no strace will ever run
      }
      return;
    }
    if (p.isAlive()) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      p.onExit()
          .completeOnTimeout(p, TERMINATE_GRACE.toMillis(), TimeUnit.MILLISECONDS)
          .thenAccept(TraceSession::killIfAlive);
    }
  }

  /** For the JVM shutdown hook: ends strace now, waiting briefly. */
  void endNow() {
    end("collector shutting down");
    Process p = process;
    if (p != null) {
      try {
        p.waitFor(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      killIfAlive(p);
    }
  }

  private static void terminate(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(TERMINATE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        killIfAlive(p);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killIfAlive(p);
    }
  }

  private static void killIfAlive(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    if (p.isAlive()) {
      p.destroyForcibly();
    }
  }

  private static String exitStatus(Process p) {
    try {
      return Integer.toString(p.exitValue());
    } catch (IllegalThreadStateException e) {
      return "unknown";
    }
  }

  private StraceException fail(String message) {
    end("attach failed");
    return new StraceException(message);
  }

  /** Completes when strace has exited and the last batch was handed on. */
  CompletableFuture<Void> ended() {
    return ended;
  }

  /** The strace process, once started. */
  Optional<ProcessHandle> strace() {
    Process p = process;
    return p == null ? Optional.empty() : Optional.of(p.toHandle());
  }

  String containerId() {
    return containerId;
  }

  int mainPid() {
    return mainPid;
  }

  String reason() {
    return reason;
  }

  String endReason() {
    return endReason;
  }

  private String shortId() {
    return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
  }
}
