package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileReaderTest {

  @TempDir Path dir;

  private record Row(long time, int captured, int original, String bytes) {}

  private static List<Row> read(PcapFileReader reader) throws IOException {
    List<Row> rows = new ArrayList<>();
    while (reader.next()) {
      rows.add(
          new Row(
              reader.timestampNanos(),
              reader.capturedLength(),
              reader.originalLength(),
              Arrays.toString(
                  Arrays.copyOfRange(
                      reader.buffer(),
                      reader.offset(),
                      reader.offset() + reader.capturedLength()))));
    }
    return rows;
  }

  @Test
  void readsALittleEndianMicrosecondFileWrittenByTcpdump() throws IOException {
    try (PcapFileReader reader = PcapFileReader.open(PcapFixtures.path("http.pcap"))) {
      assertThat(reader.linkType()).isEqualTo(LinkType.ETHERNET);
      assertThat(reader.snaplen()).isEqualTo(262144);
      assertThat(reader.nanosecondTimestamps()).isFalse();
      assertThat(reader.bigEndian()).isFalse();
      assertThat(reader.next()).isTrue();
      assertThat(reader.timestampNanos())
          .isEqualTo(PcapFixtures.nanos("2026-11-29T09:21:43.613391Z"));
      assertThat(reader.capturedLength()).isEqualTo(74);
      assertThat(reader.originalLength()).isEqualTo(74);
      assertThat(reader.buffer()[reader.offset() + 12]).isEqualTo((byte) 0x08);
      List<Row> rest = read(reader);
      assertThat(rest).hasSize(11);
      assertThat(rest.get(10).time()).isEqualTo(PcapFixtures.nanos("2026-11-29T09:21:43.614580Z"));
      assertThat(reader.recordsRead()).isEqualTo(12);
      assertThat(reader.endedInPartialRecord()).isFalse();
    }
  }

  @Test
  void readsNanosecondTimestamps() throws IOException {
    try (PcapFileReader reader = PcapFileReader.open(PcapFixtures.path("http-nano.pcap"))) {
      assertThat(reader.nanosecondTimestamps()).isTrue();
      assertThat(reader.next()).isTrue();
      assertThat(reader.timestampNanos())
          .isEqualTo(PcapFixtures.nanos("2026-11-29T09:22:17.894680751Z"));
    }
  }

  @Test
  void readsSnaplenAndCapturedVersusOriginalLengths() throws IOException {
    try (PcapFileReader reader = PcapFileReader.open(PcapFixtures.path("truncated.pcap"))) {
      assertThat(reader.snaplen()).isEqualTo(60);
      reader.next();
      assertThat(reader.capturedLength()).isEqualTo(60);
      assertThat(reader.originalLength()).isEqualTo(74);
    }
  }

  @Test
  void readsBigEndianFilesLikeTheirLittleEndianOriginal() throws IOException {
    for (String fixture : List.of("http.pcap", "http-nano.pcap")) {
      Path original = PcapFixtures.path(fixture);
      Path swapped = dir.resolve("big-" + fixture);
      Files.write(swapped, toBigEndian(Files.readAllBytes(original)));
      try (PcapFileReader little = PcapFileReader.open(original);
          PcapFileReader big = PcapFileReader.open(swapped)) {
        assertThat(big.bigEndian()).isTrue();
        assertThat(big.linkType()).isEqualTo(little.linkType());
        assertThat(big.snaplen()).isEqualTo(little.snaplen());
        assertThat(big.nanosecondTimestamps()).isEqualTo(little.nanosecondTimestamps());
        assertThat(read(big)).isEqualTo(read(little)).hasSize(12);
      }
    }
  }

  @Test
  void readsTheSameRecordsThroughATinyBufferThatMustGrowAndRefill() throws IOException {
    for (String fixture : List.of("http.pcap", "fragments.pcap", "sll2.pcap")) {
      try (PcapFileReader normal = PcapFileReader.open(PcapFixtures.path(fixture));
          PcapFileReader tiny = PcapFileReader.open(PcapFixtures.path(fixture), 40)) {
        assertThat(read(tiny)).isEqualTo(read(normal));
      }
    }
  }

  @Test
  void rejectsPcapngWithTheConversionCommand() throws IOException {
    Path file = dir.resolve("capture.pcapng");
    Files.write(file, new byte[] {0x0A, 0x0D, 0x0D, 0x0A, 0x1c, 0, 0, 0, 0x4D, 0x3C, 0x2B, 0x1A});

    assertThatThrownBy(() -> PcapFileReader.open(file))
        .isInstanceOf(PcapFormatException.class)
        .hasMessageContaining("capture.pcapng")
        .hasMessageContaining("pcapng file, which is not supported")
        .hasMessageContaining("tcpdump -r capture.pcapng -w out.pcap");
  }

  @Test
  void rejectsFilesThatAreNotPcap() throws IOException {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "GET / HTTP/1.1\r\n\r\n");
    Path empty = dir.resolve("empty.pcap");
    Files.write(empty, new byte[0]);
    Path shortHeader = dir.resolve("short.pcap");
    Files.write(shortHeader, Arrays.copyOf(Files.readAllBytes(PcapFixtures.path("http.pcap")), 20));

    assertThatThrownBy(() -> PcapFileReader.open(text))
        .isInstanceOf(PcapFormatException.class)
        .hasMessageContaining("notes.txt: not a pcap file (magic number 0x47455420");
    assertThatThrownBy(() -> PcapFileReader.open(empty))
        .hasMessageContaining("not a pcap file (only 0 bytes long)");
    assertThatThrownBy(() -> PcapFileReader.open(shortHeader))
        .hasMessageContaining("truncated pcap file header (20 of 24 bytes)");
  }

  @Test
  void aFileCutInTheMiddleOfARecordEndsThereAndSaysSo() throws IOException {
    byte[] bytes = Files.readAllBytes(PcapFixtures.path("http.pcap"));
    Path cut = dir.resolve("cut.pcap");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 10));

    try (PcapFileReader reader = PcapFileReader.open(cut)) {
      assertThat(read(reader)).hasSize(11);
      assertThat(reader.endedInPartialRecord()).isTrue();
    }
  }

  @Test
  void aRecordClaimingAnImpossibleLengthIsReportedAsCorrupt() throws IOException {
    byte[] bytes = Files.readAllBytes(PcapFixtures.path("http.pcap"));
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 0x7FFFFFF0);
    Path corrupt = dir.resolve("corrupt.pcap");
    Files.write(corrupt, bytes);

    try (PcapFileReader reader = PcapFileReader.open(corrupt)) {
      assertThatThrownBy(reader::next)
          .isInstanceOf(PcapFormatException.class)
          .hasMessageContaining("record 1 at byte 24 claims 2147483632 captured bytes")
          .hasMessageContaining("the file is corrupt");
    }
  }

  /**
   * Rewrites a little-endian pcap file in big-endian byte order (as a big-endian machine writes
   * it).
   */
  static byte[] toBigEndian(byte[] little) {
    ByteBuffer in = ByteBuffer.wrap(little).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer out = ByteBuffer.allocate(little.length).order(ByteOrder.BIG_ENDIAN);
    out.putInt(in.getInt(0)).putShort(in.getShort(4)).putShort(in.getShort(6));
    for (int at = 8; at < 24; at += 4) {
      out.putInt(in.getInt(at));
    }
    int at = 24;
    while (at < little.length) {
      int captured = in.getInt(at + 8);
      for (int field = 0; field < 16; field += 4) {
        out.putInt(in.getInt(at + field));
      }
      out.put(little, at + 16, captured);
      at += 16 + captured;
    }
    return out.array();
  }
}
