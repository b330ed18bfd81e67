package io.porthole.collector.remediation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.RawPacketListener;

/**
 * A bounded capture of a container's host-side veths into one pcap file, with libpcap through
 * pcap4j: in process, so that the packet and byte caps are exact and nothing else has to be
 * installed or supervised. One capture loop per interface (each on its own thread: {@code loop()}
 * is the only reliable way to read an idle interface, see ENVIRONMENT.md), all writing into one
 * {@link PcapFileWriter}. Stops at the first of: duration over, packet cap reached, the next packet
 * would pass the byte cap. Blocking for up to the duration: call it on a worker thread.
 */
public final class PacketCapture {

  /** What was captured. */
  public record Summary(long packets, long fileBytes, String stoppedBy) {}

  private static final int SNAPLEN = 65_535;

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "porthole-capture-timer");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * @param devices the interfaces to capture on (the container's host-side veths)
   */
  public Summary capture(
      List<String> devices, Duration duration, long maxPackets, long maxBytes, Path file)
      throws PcapNativeException, IOException, InterruptedException {
    List<PcapHandle> handles = new ArrayList<>();
    try {
      for (String device : devices) {
        handles.add(
            new PcapHandle.Builder(device)
                .snaplen(SNAPLEN)
                .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                .timeoutMillis(100)
                .build());
      }
      try (PcapFileWriter out = new PcapFileWriter(file, SNAPLEN, maxPackets, maxBytes)) {
        AtomicReference<String> stoppedBy = new AtomicReference<>();
        ScheduledFuture<?> stop =
            timer.schedule(
                () -> stopAll(handles, stoppedBy, "duration"),
                duration.toMillis(),
                TimeUnit.MILLISECONDS);
        List<Thread> loops = new ArrayList<>();
        for (PcapHandle handle : handles) {
          Thread loop =
              new Thread(
                  () -> loop(handle, handles, out, stoppedBy), "porthole-capture-" + loops.size());
          loop.setDaemon(true);
          loop.start();
          loops.add(loop);
        }
        try {
          for (Thread loop : loops) {
            loop.join();
          }
        } finally {
          stop.cancel(false);
          stopAll(handles, stoppedBy, "interruption");
        }
        return new Summary(
            out.packets(), out.bytes(), stoppedBy.get() == null ? "duration" : stoppedBy.get());
      }
    } finally {
      handles.forEach(PcapHandle::close);
    }
  }

  private static void loop(
      PcapHandle handle,
      List<PcapHandle> all,
      PcapFileWriter out,
      AtomicReference<String> stoppedBy) {
    RawPacketListener listener =
        packet -> {
          try {
            Timestamp at = handle.getTimestamp();
            long micros = at.getTime() / 1000 * 1_000_000 + at.getNanos() / 1000;
            Integer original = handle.getOriginalLength();
            switch (out.write(micros, packet, original == null ? packet.length : original)) {
              case PACKET_CAP -> stopAll(all, stoppedBy, "packet cap");
              case BYTE_CAP -> stopAll(all, stoppedBy, "byte cap");
              case WRITTEN -> {}
            }
          } catch (IOException e) {
            stopAll(all, stoppedBy, "write error: " + e.getMessage());
            throw new UncheckedIOException(e);
          }
        };
    try {
      handle.loop(-1, listener);
    } catch (InterruptedException e) {
      // breakLoop() ends the loop this way: the normal end of a capture.
    } catch (PcapNativeException | NotOpenException | UncheckedIOException e) {
      stopAll(all, stoppedBy, "capture error: " + e.getMessage());
    }
  }

  // The first reason wins; every loop is broken so that the capture ends everywhere at once.
  private static void stopAll(
      List<PcapHandle> handles, AtomicReference<String> stoppedBy, String reason) {
    stoppedBy.compareAndSet(null, reason);
    for (PcapHandle handle : handles) {
      try {
        handle.breakLoop();
      } catch (NotOpenException e) {
        // Already closed: that capture is over.
      }
    }
  }
}
