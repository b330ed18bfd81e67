package io.porthole.collector.remediation;

import com.google.protobuf.ByteString;
import io.porthole.proto.ArtifactChunk;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Splits an artifact into chunks that each fit a Kafka record, every one carrying size and SHA-256.
 */
public final class ArtifactChunker {

  public static final String PCAP = "application/vnd.tcpdump.pcap";
  public static final String OCTET_STREAM = "application/octet-stream";

  private ArtifactChunker() {}

  /** At least one chunk (an empty artifact is one empty chunk). */
  public static List<ArtifactChunk> chunk(
      byte[] data, int chunkBytes, String contentType, String fileName) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunkBytes must be positive");
    }
    int total = Math.max(1, (data.length + chunkBytes - 1) / chunkBytes);
    String sha256 = sha256(data);
    List<ArtifactChunk> chunks = new ArrayList<>(total);
    for (int index = 0; index < total; index++) {
      int from = index * chunkBytes;
      int length = Math.min(chunkBytes, data.length - from);
      chunks.add(
          ArtifactChunk.newBuilder()
              .setIndex(index)
              .setTotal(total)
              .setData(ByteString.copyFrom(data, from, Math.max(0, length)))
              .setTotalSize(data.length)
              .setSha256(sha256)
              .setContentType(contentType)
              .setFileName(fileName)
              .build());
    }
    return chunks;
  }

  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
