package io.porthole.collector.packets;

import io.porthole.collector.EventSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * Runs a recorded pcap file through the same parser and flow table as live capture: the offline
 * analysis of {@code porthole replay --pcap FILE}. Flushing follows the packets' own timestamps; at
 * the end of the file every remaining flow is reported with {@code ended=true}.
 */
public final class PcapReplay {

  private final FlowTableSettings settings;
  private final Clock clock;

  public PcapReplay(FlowTableSettings settings, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Default flow table settings (5 s flush, 60 s idle, 256-byte excerpts), system clock. */
  public PcapReplay() {
    this(FlowTableSettings.defaults(), Clock.systemUTC());
  }

  /**
   * @param containerId the container the flows are attributed to
   * @param containerIp its address (IPv4, or IPv6 as Docker prints it); flows not involving it are
   *     counted and skipped. Null or blank: every flow is attributed to the container as initiator.
   * @throws PcapFormatException when the file is not a readable pcap file (pcapng included)
   */
  public ReplaySummary run(
      Path pcapFile, String hostId, String containerId, String containerIp, EventSink sink)
      throws IOException {
    Objects.requireNonNull(pcapFile, "pcapFile");
    try (PcapFileReader reader = PcapFileReader.open(pcapFile)) {
      if (!LinkType.isSupported(reader.linkType())) {
        throw new PcapFormatException(
            pcapFile
                + ": link type "
                + reader.linkType()
                + " is not supported (Ethernet, Linux cooked v1/v2 and raw IP are)");
      }
      FlowTable table =
          new FlowTable(
              "file:" + pcapFile.getFileName(),
              settings,
              ContainerResolver.single(containerId, containerIp),
              new FlowEnvelopes(hostId, sink, clock));
      PacketParser parser = new PacketParser();
      PacketView view = new PacketView();
      int linkType = reader.linkType();
      while (reader.next()) {
        long time = reader.timestampNanos();
        if (parser.parse(
                linkType, reader.buffer(), reader.offset(), reader.capturedLength(), time, view)
            == ParseStatus.PARSED) {
          table.add(view);
        }
        table.advanceTo(time);
      }
      table.closeAll();
      return new ReplaySummary(
          reader.recordsRead(),
          table.recordsEmitted(),
          parser.unparsed(),
          parser.notIp(),
          table.flowsCreated(),
          table.flowsUnattributed(),
          reader.endedInPartialRecord());
    }
  }
}
