package io.porthole.collector.remediation;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.RawPacketListener;

/**
 * A bounded capture of one interface into a pcap file, with libpcap through pcap4j: in process, so
 * that the packet and byte caps are exact and nothing else has to be installed or supervised.
 * Stops at the first of: duration over, packet cap reached, the next packet would pass the byte
 * cap. Blocking for up to the duration: call it on a worker thread.
 */
public final class PacketCapture {

  /** What was captured. */
  public record Summary(long packets, long fileBytes, String stoppedBy) {}

  private static final int SNAPLEN = 65_535;
  private static final int PCAP_FILE_HEADER = 24;
  private static final int PCAP_RECORD_HEADER = 16;

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "porthole-capture-timer");
        thread.setDaemon(true);
        return thread;
      });

  /**
   * @param device the interface to capture on (the container's host-side veth)
   * @param filter a BPF filter, or empty for everything
   */
  public Summary capture(String device, String filter, Duration duration, long maxPackets, long maxBytes, Path file)
      throws PcapNativeException, NotOpenException {
    PcapHandle handle =
        new PcapHandle.Builder(device)
            .snaplen(SNAPLEN)
            .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
            .timeoutMillis(100)
            .build();
    try {
      if (!filter.isEmpty()) {
        handle.setFilter(filter, org.pcap4j.core.BpfProgram.BpfCompileMode.OPTIMIZE);
      }
      PcapDumper dumper = handle.dumpOpen(file.toString());
      AtomicLong packets = new AtomicLong();
      AtomicLong bytes = new AtomicLong(PCAP_FILE_HEADER);
      String[] stoppedBy = {"duration"};
      ScheduledFuture<?> stop = timer.schedule(() -> breakLoop(handle), duration.toMillis(), TimeUnit.MILLISECONDS);
      RawPacketListener listener =
          packet -> {
            if (bytes.get() + PCAP_RECORD_HEADER + packet.length > maxBytes) {
              stoppedBy[0] = "byte cap";
              breakLoop(handle);
              return;
            }
            try {
              dumper.dumpRaw(packet, handle.getTimestamp());
            } catch (NotOpenException e) {
              return;
            }
            bytes.addAndGet(PCAP_RECORD_HEADER + packet.length);
            if (packets.incrementAndGet() >= maxPackets) {
              stoppedBy[0] = "packet cap";
              breakLoop(handle);
            }
          };
      try {
        handle.loop(-1, listener);
      } catch (InterruptedException e) {
        // breakLoop() ends the loop this way: the normal end of a capture.
      } finally {
        stop.cancel(false);
        dumper.close();
      }
      return new Summary(packets.get(), bytes.get(), stoppedBy[0]);
    } finally {
      handle.close();
    }
  }

  private static void breakLoop(PcapHandle handle) {
    try {
      handle.breakLoop();
    } catch (NotOpenException e) {
      // Already closed: the capture is over.
    }
  }
}
