package io.porthole.collector.packets;

import io.porthole.wire.Timestamps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The pcap files recorded with tcpdump on a development machine (see resources/pcap/README.md). */
final class PcapFixtures {

  /** One captured frame, copied out of the file. */
  record Frame(int linkType, byte[] bytes, long timestampNanos) {}

  private PcapFixtures() {}

  static Path path(String name) {
    try {
      return Path.of(PcapFixtures.class.getResource("/pcap/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing fixture pcap/" + name, e);
    }
  }

  static List<Frame> frames(String name) {
    List<Frame> frames = new ArrayList<>();
    try (PcapFileReader reader = PcapFileReader.open(path(name))) {
      while (reader.next()) {
        frames.add(
            new Frame(
                reader.linkType(),
                Arrays.copyOfRange(
                    reader.buffer(), reader.offset(), reader.offset() + reader.capturedLength()),
                reader.timestampNanos()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return frames;
  }

  /** Parses every frame of a fixture into a flow table, as replay does, without flushing. */
  static PacketParser feed(String name, FlowTable table) {
    return feed(frames(name), table);
  }

  static PacketParser feed(List<Frame> frames, FlowTable table) {
    PacketParser parser = new PacketParser();
    PacketView view = new PacketView();
    for (Frame frame : frames) {
      if (parser.parse(
              frame.linkType(),
              frame.bytes(),
              0,
              frame.bytes().length,
              frame.timestampNanos(),
              view)
          == ParseStatus.PARSED) {
        table.add(view);
      }
    }
    return parser;
  }

  static long nanos(String isoInstant) {
    Instant instant = Instant.parse(isoInstant);
    return Timestamps.toEpochNanos(instant);
  }
}
