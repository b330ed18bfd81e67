package io.porthole.collector.kmsg;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.EventSink;
import io.porthole.collector.HostContext;
import io.porthole.collector.docker.ContainerEventMapper;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventSource;
import io.porthole.proto.KernelOomKill;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's own record of OOM kills: reads {@code /dev/kmsg} (as node-problem-detector does),
 * recognises OOM kills of tasks in Docker containers ({@link OomKillParser}) and publishes each as
 * an {@code oom} ContainerEvent with source KERNEL_LOG and the kill's task, pid and cgroups. It
 * sees what the engine misses: a kill while the engine was down, and, like the engine's {@code
 * oom}, a child killed while the container lives on.
 *
 * <p>Resumes by the kmsg sequence number persisted in {@code <data dir>/kmsg.cursor} (see {@link
 * KmsgStart}). The kernel's ring buffer is finite: records overwritten before they were read are
 * counted in {@code kmsg_records_lost} (a gap in sequence numbers, which is also what a read
 * failing with EPIPE means), and an OOM kill among them is not seen here.
 *
 * <p>Every engine on one kernel (a second dockerd, a rootless one beside the rootful one) names its
 * containers' cgroups alike, so every collector on the host sees every kill. A kill of a container
 * this engine says it does not have, and this collector never saw run, is another engine's: that
 * engine's collector reports it, under its own host id (reporting it here too would be a second
 * alert of the kill). The price: a container created, OOM-killed and removed while this collector
 * was down is not reported. A kill whose inspect failed otherwise (this engine down) is reported:
 * it is the very kill the engine misses.
 *
 * <p>Reading blocks, so it runs on its own daemon thread, never an event loop. {@code /dev/kmsg}
 * supports neither {@code available()} nor a read that closing the stream interrupts: on stop the
 * thread is told to end and interrupted, the stream closed, and the thread ends at the next kernel
 * record (being a daemon, it never holds the JVM). Without permission to read the device (it needs
 * root or CAP_SYSLOG, and the device in a container) the source is reported degraded, not fatal.
 */
public final class KernelOomSource implements Lifecycle {

  /** Name of this source in the heartbeat's degraded sources. */
  public static final String SOURCE = "kmsg";

  /** File under the data directory holding the {@link KmsgCursor}. */
  public static final String CURSOR_FILE = "kmsg.cursor";

  private static final Logger LOG = LoggerFactory.getLogger(KernelOomSource.class);
  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
  private static final Path UPTIME = Path.of("/proc/uptime");
  private static final int MAX_RECORD_BYTES = 8192;

  private final Vertx vertx;
  private final KmsgConfig config;
  private final DockerClient docker;
  private final ContainerDirectory directory;
  private final String hostId;
  private final EventSink sink;
  private final CollectorStats stats;
  private final Path cursorFile;
  private final Duration flushInterval;
  private final OomKillParser parser = new OomKillParser();

  /** Sequence numbers of kills handed to the sink and not yet delivered. */
  private final ConcurrentSkipListSet<Long> undelivered = new ConcurrentSkipListSet<>();

  private volatile boolean stopping;
  private volatile long lastRead = -1;
  private volatile FileChannel input;
  private Thread reader;
  private ScheduledExecutorService saver;
  private String bootId = "";
  private long bootWallNanos;
  private long savedSequence = Long.MIN_VALUE;

  /**
   * @param config whether and where to read the kernel log
   * @param flushInterval the longest time between saves of the cursor ({@value #CURSOR_FILE} under
   *     the host's data directory)
   */
  public KernelOomSource(HostContext host, KmsgConfig config, Duration flushInterval) {
    this.vertx = host.vertx();
    this.config = Objects.requireNonNull(config, "config");
    this.docker = host.docker();
    this.directory = host.directory();
    this.hostId = host.hostId();
    this.sink = host.sink();
    this.stats = host.stats();
    this.cursorFile = host.dataDir().resolve(CURSOR_FILE);
    this.flushInterval = Objects.requireNonNull(flushInterval, "flushInterval");
  }

  /** Opens the device and starts reading; always succeeds (degraded when it cannot read). */
  @Override
  public Future<Void> start() {
    if (!config.enabled()) {
      LOG.info("kernel log OOM source disabled ({}=false)", KmsgConfig.ENABLED);
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(this::open, false)
        .onSuccess(
            start -> {
              if (start != null) {
                reader = new Thread(() -> readUntilStopped(start), "porthole-kmsg");
                reader.setDaemon(true);
                reader.start();
                saver =
                    Executors.newSingleThreadScheduledExecutor(
                        r -> {
                          Thread t = new Thread(r, "porthole-kmsg-cursor");
                          t.setDaemon(true);
                          return t;
                        });
                long every = Math.max(10, flushInterval.toMillis());
                saver.scheduleWithFixedDelay(this::saveCursor, every, every, TimeUnit.MILLISECONDS);
              }
            })
        .mapEmpty();
  }

  @Override
  public Future<Void> stop() {
    stopping = true;
    Thread thread = reader;
    if (thread == null) {
      return Future.succeededFuture();
    }
    thread.interrupt();
    closeInput();
    if (saver != null) {
      saver.shutdownNow();
    }
    return vertx
        .executeBlocking(
            () -> {
              thread.join(1000); // closing the channel ended a blocked read
              saveCursor();
              return null;
            },
            false)
        .mapEmpty();
  }

  /** The decided start, or null (reported degraded) when the device cannot be read. */
  private KmsgStart open() {
    try {
      bootId = Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
      long uptimeMicros = uptimeMicros();
      bootWallNanos = Timestamps.toEpochNanos(Instant.now()) - uptimeMicros * 1000;
      KmsgCursor cursor = null;
      try {
        cursor = KmsgCursor.load(cursorFile).orElse(null);
      } catch (IOException e) {
        LOG.warn("the kernel log cursor cannot be read, reading from now: {}", e.getMessage());
      }
      input = FileChannel.open(config.device(), StandardOpenOption.READ);
      KmsgStart start = KmsgStart.decide(cursor, bootId, uptimeMicros);
      lastRead = start.lastHandled();
      savedSequence = lastRead;
      LOG.info(
          "reading OOM kills from {} ({})",
          config.device(),
          cursor == null
              ? "first start: from now"
              : start.lastHandled() >= 0
                  ? "after sequence " + start.lastHandled()
                  : "new boot: the whole buffer");
      stats.clearDegraded(SOURCE);
      return start;
    } catch (IOException | RuntimeException e) {
      String reason =
          "cannot read "
              + config.device()
              + " ("
              + e.getMessage()
              + "): OOM kills the engine misses are not seen; run as root or grant CAP_SYSLOG"
              + " (in a container: the device and CAP_SYSLOG), or set "
              + KmsgConfig.ENABLED
              + "=false";
      LOG.warn("kernel log OOM source degraded: {}", reason);
      stats.markDegraded(SOURCE, reason);
      return null;
    }
  }

  private void readUntilStopped(KmsgStart start) {
    ByteBuffer buffer = ByteBuffer.allocate(MAX_RECORD_BYTES);
    long previous = start.lastHandled();
    while (!stopping) {
      int n;
      try {
        buffer.clear();
        // One read(2), one record. A FileChannel (not a FileInputStream): closing it at stop wakes
        // a
        // read blocked on a quiet kernel log.
        n = input.read(buffer);
      } catch (IOException e) {
        if (stopping) {
          return;
        }
        if (String.valueOf(e.getMessage()).contains("Broken pipe")) {
          // EPIPE: records were overwritten before this read; the gap in sequence numbers counts
          // them
          continue;
        }
        stats.markDegraded(SOURCE, "reading " + config.device() + " failed: " + e.getMessage());
        LOG.warn("kernel log OOM source stopped: {}", e.toString());
        return;
      }
      if (stopping) {
        return; // stopped while blocked in read: this record belongs to the next run
      }
      if (n < 0) {
        stats.markDegraded(SOURCE, config.device() + " ended");
        return;
      }
      Optional<KmsgRecord> parsed =
          KmsgRecord.parse(new String(buffer.array(), 0, n, StandardCharsets.UTF_8));
      if (parsed.isEmpty()) {
        continue;
      }
      KmsgRecord record = parsed.get();
      stats.kmsgRecordsRead.incrementAndGet();
      if (previous >= 0 && record.sequence() > previous + 1) {
        stats.kmsgRecordsLost.addAndGet(record.sequence() - previous - 1);
        LOG.warn(
            "the kernel log ring buffer overwrote {} record(s) before they were read "
                + "(sequence {} to {})",
            record.sequence() - previous - 1,
            previous + 1,
            record.sequence() - 1);
      }
      previous = record.sequence();
      parser
          .accept(record)
          .ifPresent(
              kill -> {
                if (start.isNew(kill.sequence(), kill.monotonicMicros())) {
                  publish(kill);
                }
              });
      // Not past a kill the parser still holds for its "Killed process" record: a stop in between
      // must leave it to the next run.
      long handled = record.sequence();
      lastRead =
          parser.pendingSequence().isPresent() ? parser.pendingSequence().getAsLong() - 1 : handled;
    }
  }

  private void publish(OomKill kill) {
    InspectContainerResponse inspect = null;
    String inspectError = "";
    boolean notFound = false;
    try {
      inspect = docker.inspectContainerCmd(kill.containerId()).exec();
    } catch (NotFoundException e) {
      notFound = true;
      inspectError = "inspect: no such container";
    } catch (RuntimeException e) {
      inspectError = "inspect: " + e.getMessage();
    }
    if (!ours(notFound, directory.seen(kill.containerId()))) {
      LOG.atInfo()
          .addKeyValue("container_id", kill.containerId())
          .log(
              "kernel log: OOM kill of {} (pid {}) in container {}, which this engine does not"
                  + " have and this collector never saw: another engine's, not reported here",
              kill.task(),
              kill.pid(),
              kill.containerId());
      return;
    }
    stats.kmsgOomKills.incrementAndGet();
    ContainerEvent event = event(kill, inspect, inspectError);
    Instant time = Instant.ofEpochSecond(0, bootWallNanos + kill.monotonicMicros() * 1000);
    undelivered.add(kill.sequence());
    sink.emit(
        Topic.CONTAINER_EVENTS,
        ContainerEventMapper.envelope(hostId, kill.containerId(), Timestamps.of(time), event),
        failure -> {
          if (failure == null) {
            undelivered.remove(
                kill.sequence()); // a kill Kafka did not take keeps the cursor before it
          }
        });
    LOG.atInfo()
        .addKeyValue("container_id", kill.containerId())
        .log(
            "kernel log: OOM kill of {} (pid {}) in container {}",
            kill.task(),
            kill.pid(),
            kill.containerId());
  }

  /**
   * Whether a kill is this collector's to report: yes unless this engine says it has no such
   * container and this collector never saw it (then it is another engine's on the same kernel).
   */
  static boolean ours(boolean engineHasNoSuchContainer, boolean seenHere) {
    return !engineHasNoSuchContainer || seenHere;
  }

  /**
   * The {@code oom} event of a kill: the container's state from its inspect, when it could be
   * taken.
   */
  static ContainerEvent event(OomKill kill, InspectContainerResponse inspect, String inspectError) {
    ContainerEvent.Builder builder =
        inspect == null
            ? ContainerEvent.newBuilder()
                .setAction(ContainerAction.OOM)
                .setOomKilled(true)
                .setInspectError(inspectError)
            : ContainerEventMapper.reconciled(ContainerAction.OOM, inspect).toBuilder();
    return builder
        .setRawAction("oom (kernel log)")
        .setSource(EventSource.KERNEL_LOG)
        .setKernelOom(
            KernelOomKill.newBuilder()
                .setTask(kill.task())
                .setPid(kill.pid())
                .setUid(kill.uid())
                .setConstraint(kill.constraint())
                .setOomMemcg(kill.oomMemcg())
                .setTaskMemcg(kill.taskMemcg())
                .setSequence(kill.sequence())
                .setMonotonicMicros(kill.monotonicMicros())
                .setMemory(kill.memory()))
        .build();
  }

  /** Saves the last sequence number up to which every kill was delivered. */
  private synchronized void saveCursor() {
    long read = lastRead;
    Long firstUndelivered = undelivered.isEmpty() ? null : undelivered.first();
    long through = firstUndelivered == null ? read : Math.min(read, firstUndelivered - 1);
    if (through < 0 || through == savedSequence || bootId.isEmpty()) {
      return;
    }
    try {
      new KmsgCursor(bootId, through).save(cursorFile);
      savedSequence = through;
    } catch (IOException e) {
      LOG.warn("saving the kernel log cursor to {} failed: {}", cursorFile, e.toString());
    }
  }

  private void closeInput() {
    FileChannel in = input;
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        LOG.debug("closing {}: {}", config.device(), e.toString());
      }
    }
  }

  private static long uptimeMicros() throws IOException {
    String text = Files.readString(UPTIME, StandardCharsets.US_ASCII).trim();
    return (long) (Double.parseDouble(text.split("\\s+")[0]) * 1_000_000L);
  }
}
