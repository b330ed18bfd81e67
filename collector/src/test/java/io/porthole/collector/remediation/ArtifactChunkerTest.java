package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.ArtifactChunk;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArtifactChunkerTest {

  @Test
  void splitsIntoIndexedChunksThatReassembleToTheSameBytes() {
    byte[] data = new byte[2500];
    new Random(1).nextBytes(data);

    List<ArtifactChunk> chunks =
        ArtifactChunker.chunk(data, 1024, ArtifactChunker.PCAP, "capture-web.pcap");

    assertThat(chunks).hasSize(3);
    assertThat(chunks).extracting(ArtifactChunk::getIndex).containsExactly(0, 1, 2);
    assertThat(chunks)
        .allSatisfy(
            c -> {
              assertThat(c.getTotal()).isEqualTo(3);
              assertThat(c.getTotalSize()).isEqualTo(2500);
              assertThat(c.getSha256()).isEqualTo(ArtifactChunker.sha256(data)).hasSize(64);
              assertThat(c.getContentType()).isEqualTo("application/vnd.tcpdump.pcap");
              assertThat(c.getFileName()).isEqualTo("capture-web.pcap");
            });
    assertThat(chunks.get(2).getData().size()).isEqualTo(452);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    chunks.forEach(c -> joined.writeBytes(c.getData().toByteArray()));
    assertThat(joined.toByteArray()).isEqualTo(data);
  }

  @Test
  void anEmptyArtifactIsOneEmptyChunk() {
    List<ArtifactChunk> chunks =
        ArtifactChunker.chunk(new byte[0], 1024, ArtifactChunker.OCTET_STREAM, "empty");

    assertThat(chunks)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getTotal()).isEqualTo(1);
              assertThat(c.getData().isEmpty()).isTrue();
              assertThat(c.getSha256())
                  .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
            });
  }
}
