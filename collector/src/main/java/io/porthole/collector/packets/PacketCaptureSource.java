package io.porthole.collector.packets;

import io.porthole.collector.CollectorStats;
import io.porthole.collector.ContainerDirectory;
import io.porthole.collector.EventSink;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.RawPacketListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live packet flows: libpcap (pcap4j) on the configured interfaces, one dedicated thread per
 * interface running {@code loop(-1, RawPacketListener)} ({@code getNextPacket} never returns on an
 * idle interface), each with its own {@link PacketParser} and {@link FlowTable}. A Vert.x timer
 * flushes the tables on a worker thread every flush interval (the table of an interface is guarded
 * by its own lock, which the capture thread takes per packet, uncontended but for the flush) and
 * adds libpcap's drop counters to {@link CollectorStats}.
 *
 * <p>Interfaces are opened promiscuous: a Linux bridge hands its own capture the frames it forwards
 * between containers only then (as {@code tcpdump -i docker0} does).
 *
 * <p>Interfaces named by a prefix ({@code br-*}) are looked for again every {@link
 * #DISCOVERY_INTERVAL}: a bridge created after start (a new Docker network) is captured from then
 * on, and the capture of one that disappeared (its network removed) ends quietly. A capture that
 * dies otherwise is counted ({@code packet_captures_failed}) and reported in the heartbeat's
 * degraded sources as {@value #SOURCE}.
 */
public final class PacketCaptureSource implements Lifecycle {

  /** Name of this source in the heartbeat's degraded sources. */
  public static final String SOURCE = "packets";

  static final Duration DISCOVERY_INTERVAL = Duration.ofSeconds(2);
  private static final Duration VANISH_WAIT = Duration.ofSeconds(3);
  private static final Logger LOG = LoggerFactory.getLogger(PacketCaptureSource.class);
  private static final int READ_TIMEOUT_MILLIS = 100;
  private static final long JOIN_MILLIS = 5_000;

  private final Vertx vertx;
  private final CaptureConfig config;
  private final ContainerResolver resolver;
  private final EventSink sink;
  private final CollectorStats stats;
  private final String hostId;
  private final Clock clock;
  private final List<InterfaceCapture> captures = new CopyOnWriteArrayList<>();
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final AtomicBoolean discovering = new AtomicBoolean();
  private long discoveryTimerId = -1;
  private volatile boolean stopping;
  private long timerId = -1;

  public PacketCaptureSource(
      Vertx vertx,
      CaptureConfig config,
      ContainerDirectory directory,
      EventSink sink,
      CollectorStats stats,
      String hostId) {
    this(vertx, config, ContainerResolver.of(directory), sink, stats, hostId, Clock.systemUTC());
  }

  public PacketCaptureSource(
      Vertx vertx,
      CaptureConfig config,
      ContainerResolver resolver,
      EventSink sink,
      CollectorStats stats,
      String hostId,
      Clock clock) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Opens every interface and starts capturing. Fails, with nothing left open, when an interface
   * does not exist, cannot be opened (no permission: run as root or grant CAP_NET_RAW), or rejects
   * the filter; the message names the interface and the fix. Succeeds at once when disabled.
   */
  @Override
  public Future<Void> start() {
    if (!config.enabled()) {
      LOG.info("packet capture disabled ({}=false)", CaptureConfig.ENABLED);
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(this::openAll, false)
        .map(
            opened -> {
              captures.addAll(opened);
              opened.forEach(InterfaceCapture::startThread);
              timerId =
                  vertx.setPeriodic(config.flushInterval().toMillis(), id -> flushInBackground());
              if (config.interfaces().stream().anyMatch(name -> name.endsWith("*"))) {
                discoveryTimerId =
                    vertx.setPeriodic(DISCOVERY_INTERVAL.toMillis(), id -> discoverInBackground());
              }
              LOG.info("capturing packets on {} with filter '{}'", interfaces(), config.filter());
              return null;
            });
  }

  /** Stops capturing, reports every open flow as ended, and closes the handles. */
  @Override
  public Future<Void> stop() {
    stopping = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    if (discoveryTimerId >= 0) {
      vertx.cancelTimer(discoveryTimerId);
      discoveryTimerId = -1;
    }
    if (captures.isEmpty()) {
      return Future.succeededFuture();
    }
    List<InterfaceCapture> toStop;
    synchronized (captures) {
      toStop = List.copyOf(captures);
      captures.clear();
    }
    return vertx.executeBlocking(
        () -> {
          toStop.forEach(InterfaceCapture::breakLoop);
          for (InterfaceCapture capture : toStop) {
            capture.join();
            capture.finish();
          }
          return null;
        },
        false);
  }

  /** The interfaces being captured on. */
  public List<String> interfaces() {
    return captures.stream().map(c -> c.name).toList();
  }

  /** Interfaces whose capture loop ended with an error after start, with the error. */
  public Map<String, String> failures() {
    return Map.copyOf(failures);
  }

  private List<InterfaceCapture> openAll() throws PcapNativeException {
    List<InterfaceCapture> opened = new ArrayList<>();
    try {
      for (String name : resolveInterfaces()) {
        opened.add(open(name));
      }
      return opened;
    } catch (RuntimeException | PcapNativeException e) {
      opened.forEach(c -> c.handle.close());
      throw e;
    }
  }

  private Set<String> resolveInterfaces() throws PcapNativeException {
    List<PcapNetworkInterface> devices = Pcaps.findAllDevs();
    List<String> available = devices.stream().map(PcapNetworkInterface::getName).toList();
    Set<String> names = new LinkedHashSet<>();
    for (String wanted : config.interfaces()) {
      if (wanted.endsWith("*")) {
        String prefix = wanted.substring(0, wanted.length() - 1);
        available.stream().filter(n -> n.startsWith(prefix)).sorted().forEach(names::add);
      } else if (available.contains(wanted)) {
        names.add(wanted);
      } else {
        throw new IllegalStateException(
            "packet capture: interface '"
                + wanted
                + "' does not exist (interfaces: "
                + String.join(", ", available)
                + "); fix "
                + CaptureConfig.INTERFACES
                + (wanted.equals("docker0") ? " or start the Docker engine" : ""));
      }
    }
    if (names.isEmpty()) {
      throw new IllegalStateException(
          "packet capture: no interface matches "
              + config.interfaces()
              + " (interfaces: "
              + String.join(", ", available)
              + "); fix "
              + CaptureConfig.INTERFACES);
    }
    return names;
  }

  private InterfaceCapture open(String name) throws PcapNativeException {
    PcapHandle handle;
    try {
      handle =
          new PcapHandle.Builder(name)
              .snaplen(config.snaplen())
              .promiscuousMode(PromiscuousMode.PROMISCUOUS)
              .timeoutMillis(READ_TIMEOUT_MILLIS)
              .bufferSize(config.bufferBytes())
              .build();
    } catch (PcapNativeException e) {
      throw new IllegalStateException(
          "packet capture: cannot capture on "
              + name
              + ": "
              + e.getMessage()
              + "; run the collector as root or grant it CAP_NET_RAW and CAP_NET_ADMIN"
              + " (e.g. setcap cap_net_raw,cap_net_admin=eip on the java binary)",
          e);
    }
    try {
      int linkType = handle.getDlt().value();
      if (!LinkType.isSupported(linkType)) {
        throw new IllegalStateException(
            "packet capture: interface "
                + name
                + " has link type "
                + handle.getDlt()
                + ", which the parser does not read; remove it from "
                + CaptureConfig.INTERFACES);
      }
      if (!config.filter().isBlank()) {
        try {
          handle.setFilter(config.filter(), BpfCompileMode.OPTIMIZE);
        } catch (PcapNativeException e) {
          throw new IllegalStateException(
              CaptureConfig.FILTER
                  + ": libpcap rejected '"
                  + config.filter()
                  + "' on "
                  + name
                  + ": "
                  + e.getMessage(),
              e);
        }
      }
      FlowTable table =
          new FlowTable(name, config.flowTable(), resolver, new FlowEnvelopes(hostId, sink, clock));
      return new InterfaceCapture(name, handle, linkType, table);
    } catch (NotOpenException e) {
      handle.close();
      throw new IllegalStateException(
          "packet capture: handle of " + name + " closed while opening", e);
    } catch (RuntimeException e) {
      handle.close();
      throw e;
    }
  }

  /** Opens interfaces matching a prefix entry that appeared since start (new Docker networks). */
  private void discoverInBackground() {
    if (stopping || !discovering.compareAndSet(false, true)) {
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              endCapturesOfVanishedInterfaces();
              Set<String> capturing = new LinkedHashSet<>(interfaces());
              for (String name :
                  matchingPrefixes(
                      Pcaps.findAllDevs().stream().map(PcapNetworkInterface::getName).toList())) {
                if (stopping || capturing.contains(name)) {
                  continue;
                }
                try {
                  InterfaceCapture capture = open(name);
                  synchronized (captures) {
                    if (stopping) {
                      capture.handle.close();
                      return null;
                    }
                    captures.add(capture);
                    capture.startThread();
                  }
                  LOG.info("capturing packets on {}, which appeared after start", name);
                } catch (RuntimeException | PcapNativeException e) {
                  LOG.warn("cannot capture on new interface {}: {}", name, e.getMessage());
                  stats.markDegraded(
                      SOURCE, "cannot capture on new interface " + name + ": " + e.getMessage());
                }
              }
              return null;
            },
            false)
        .onComplete(
            ar -> {
              discovering.set(false);
              if (ar.failed()) {
                LOG.warn("looking for new capture interfaces failed: {}", ar.cause().toString());
              }
            });
  }

  private List<String> matchingPrefixes(List<String> available) {
    List<String> names = new ArrayList<>();
    for (String wanted : config.interfaces()) {
      if (wanted.endsWith("*")) {
        String prefix = wanted.substring(0, wanted.length() - 1);
        available.stream().filter(n -> n.startsWith(prefix)).sorted().forEach(names::add);
      }
    }
    return names;
  }

  /** Whether an interface was captured because it matched a prefix entry (and may come and go). */
  private boolean matchedByPrefix(String name) {
    return !config.interfaces().contains(name)
        && config.interfaces().stream()
            .anyMatch(w -> w.endsWith("*") && name.startsWith(w.substring(0, w.length() - 1)));
  }

  /**
   * Whether the interface is gone or going: libpcap reports "The interface disappeared" as soon as
   * a bridge is brought down, a moment before the engine deletes it.
   */
  private static boolean vanishes(String name) {
    long deadline = System.nanoTime() + VANISH_WAIT.toNanos();
    while (Files.exists(Path.of("/sys/class/net", name))) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** libpcap may not end the loop of a deleted interface: end those matched by a prefix here. */
  private void endCapturesOfVanishedInterfaces() {
    for (InterfaceCapture capture : List.copyOf(captures)) {
      if (matchedByPrefix(capture.name) && !Files.exists(Path.of("/sys/class/net", capture.name))) {
        captures.remove(capture);
        capture.breakLoop();
        capture.join();
        capture.finish();
        LOG.info(
            "interface {} disappeared (its network was removed); its capture ended", capture.name);
      }
    }
  }

  /** The capture loop of an interface ended with an error while the source runs. */
  private void captureEnded(InterfaceCapture capture, Exception error) {
    captures.remove(capture);
    boolean gone = matchedByPrefix(capture.name) && vanishes(capture.name);
    try {
      capture.finish();
    } catch (RuntimeException e) {
      LOG.debug("closing the capture of {}: {}", capture.name, e.toString());
    }
    if (gone) {
      LOG.info(
          "interface {} disappeared (its network was removed); its capture ended", capture.name);
      return;
    }
    if (stopping) {
      return;
    }
    LOG.error("packet capture on {} stopped: {}", capture.name, error.toString());
    failures.put(capture.name, error.toString());
    stats.packetCapturesFailed.incrementAndGet();
    stats.markDegraded(SOURCE, "capture on " + capture.name + " stopped: " + error.getMessage());
  }

  private void flushInBackground() {
    if (!flushing.compareAndSet(false, true)) {
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              for (InterfaceCapture capture : List.copyOf(captures)) {
                capture.flush();
              }
              return null;
            },
            false)
        .onComplete(
            ar -> {
              flushing.set(false);
              if (ar.failed()) {
                LOG.warn("flushing packet flows failed", ar.cause());
              }
            });
  }

  private long nowNanos() {
    return Timestamps.toEpochNanos(clock.instant());
  }

  /**
   * The capture of one interface: its handle, thread, parser and table (guarded by this object).
   */
  private final class InterfaceCapture implements RawPacketListener {
    final String name;
    final PcapHandle handle;
    final int linkType;
    final FlowTable table;
    final PacketParser parser = new PacketParser();
    final PacketView view = new PacketView();
    final AtomicBoolean finished = new AtomicBoolean();
    Thread thread;
    long reportedPackets;
    long reportedEvicted;
    long reportedDropped;
    long reportedInterfaceDropped;

    InterfaceCapture(String name, PcapHandle handle, int linkType, FlowTable table) {
      this.name = name;
      this.handle = handle;
      this.linkType = linkType;
      this.table = table;
    }

    void startThread() {
      thread = new Thread(this::run, "porthole-pcap-" + name);
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      try {
        handle.loop(-1, this);
      } catch (InterruptedException e) {
        // breakLoop() on stop
      } catch (PcapNativeException | NotOpenException | RuntimeException e) {
        if (!stopping) {
          captureEnded(this, e);
        }
      }
    }

    @Override
    public void gotPacket(byte[] frame) {
      Timestamp time = handle.getTimestamp();
      long nanos = Math.floorDiv(time.getTime(), 1000L) * 1_000_000_000L + time.getNanos();
      synchronized (this) {
        if (parser.parse(linkType, frame, 0, frame.length, nanos, view) == ParseStatus.PARSED) {
          table.add(view);
        }
      }
    }

    void flush() {
      synchronized (this) {
        table.flush(nowNanos());
        reportCounters();
      }
      reportPcapStats();
    }

    void breakLoop() {
      try {
        handle.breakLoop();
      } catch (NotOpenException e) {
        // already closed
      }
    }

    void join() {
      try {
        thread.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        LOG.warn("capture thread of {} did not end within {} ms", name, JOIN_MILLIS);
      }
    }

    void finish() {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      synchronized (this) {
        table.closeAll();
        reportCounters();
      }
      reportPcapStats();
      handle.close();
    }

    private void reportCounters() {
      stats.packetsSeen.addAndGet(parser.packets() - reportedPackets);
      reportedPackets = parser.packets();
      stats.flowsEvicted.addAndGet(table.flowsEvicted() - reportedEvicted);
      reportedEvicted = table.flowsEvicted();
    }

    private void reportPcapStats() {
      try {
        PcapStat pcap = handle.getStats();
        stats.pcapDropped.addAndGet(pcap.getNumPacketsDropped() - reportedDropped);
        reportedDropped = pcap.getNumPacketsDropped();
        stats.pcapInterfaceDropped.addAndGet(
            pcap.getNumPacketsDroppedByIf() - reportedInterfaceDropped);
        reportedInterfaceDropped = pcap.getNumPacketsDroppedByIf();
      } catch (PcapNativeException | NotOpenException e) {
        LOG.debug("no libpcap statistics for {}: {}", name, e.toString());
      }
    }
  }
}
