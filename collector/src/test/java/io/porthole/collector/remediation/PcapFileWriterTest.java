package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileWriterTest {

  @TempDir Path dir;

  @Test
  void writesAClassicPcapAndStopsAtThePacketCap() throws IOException {
    Path file = dir.resolve("two.pcap");
    try (PcapFileWriter out = new PcapFileWriter(file, 65_535, 2, 1_000_000)) {
      assertThat(out.write(1_700_000_000_123_456L, new byte[60], 60))
          .isEqualTo(PcapFileWriter.Outcome.WRITTEN);
      assertThat(out.write(1_700_000_001_000_000L, new byte[42], 98))
          .isEqualTo(PcapFileWriter.Outcome.PACKET_CAP);
      assertThat(out.write(1_700_000_002_000_000L, new byte[42], 42))
          .isEqualTo(PcapFileWriter.Outcome.PACKET_CAP);
      assertThat(out.packets()).isEqualTo(2);
    }
    ByteBuffer pcap = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(pcap.capacity()).isEqualTo(24 + 16 + 60 + 16 + 42);
    assertThat(pcap.getInt(0)).isEqualTo(0xa1b2c3d4);
    assertThat(pcap.getInt(20)).as("link type Ethernet").isEqualTo(1);
    assertThat(pcap.getInt(24)).isEqualTo(1_700_000_000);
    assertThat(pcap.getInt(28)).isEqualTo(123_456);
    assertThat(pcap.getInt(24 + 16 + 60 + 12))
        .as("original length of the second packet")
        .isEqualTo(98);
  }

  @Test
  void aPacketThatWouldPassTheByteCapIsNotWritten() throws IOException {
    try (PcapFileWriter out =
        new PcapFileWriter(dir.resolve("capped.pcap"), 65_535, 100, 24 + 16 + 100)) {
      assertThat(out.write(0, new byte[100], 100)).isEqualTo(PcapFileWriter.Outcome.WRITTEN);
      assertThat(out.write(0, new byte[1], 1)).isEqualTo(PcapFileWriter.Outcome.BYTE_CAP);
      assertThat(out.bytes()).isEqualTo(140);
    }
  }
}
