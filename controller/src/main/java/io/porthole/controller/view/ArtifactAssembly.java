package io.porthole.controller.view;

import com.google.protobuf.ByteString;
import io.porthole.proto.ArtifactChunk;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The chunks of one artifact as they arrive, checked against the size and hash they announce. */
final class ArtifactAssembly {

  private final int total;
  private final long totalSize;
  private final String sha256;
  private final String contentType;
  private final String fileName;
  private ByteString[] chunks;
  private int received;
  private long bytesHeld;

  /** @param keep false when the artifact is not to be held at all (too large): it starts evicted */
  ArtifactAssembly(ArtifactChunk first, boolean keep) {
    this.total = first.getTotal();
    this.totalSize = first.getTotalSize();
    this.sha256 = first.getSha256();
    this.contentType =
        first.getContentType().isEmpty() ? "application/octet-stream" : first.getContentType();
    this.fileName = first.getFileName();
    this.chunks = keep && total > 0 ? new ByteString[total] : null;
  }

  /** Why the chunk does not belong to this artifact, or null when it was taken (or a duplicate). */
  String add(ArtifactChunk chunk) {
    if (chunks == null) {
      return null;
    }
    if (chunk.getTotal() != total || total < 1 || chunk.getIndex() >= total) {
      return "chunk " + chunk.getIndex() + "/" + chunk.getTotal() + " does not fit an artifact of " + total + " chunks";
    }
    if (chunk.getTotalSize() != totalSize) {
      return "chunk announces " + chunk.getTotalSize() + " bytes, the artifact " + totalSize;
    }
    if (chunks[chunk.getIndex()] == null) {
      chunks[chunk.getIndex()] = chunk.getData();
      received++;
      bytesHeld += chunk.getData().size();
    }
    return null;
  }

  long bytesHeld() {
    return bytesHeld;
  }

  void evict() {
    chunks = null;
    bytesHeld = 0;
  }

  boolean evicted() {
    return chunks == null;
  }

  Remediation.ArtifactInfo info() {
    return new Remediation.ArtifactInfo(
        fileName, contentType, totalSize, sha256, received, total, evicted());
  }

  /**
   * The whole artifact.
   *
   * @throws IllegalStateException naming what is wrong when it is incomplete, evicted, or its size or
   *     hash does not match what the chunks announced
   */
  byte[] bytes() {
    if (chunks == null) {
      throw new IllegalStateException("artifact was evicted to bound the controller's memory");
    }
    if (received < total) {
      throw new IllegalStateException("artifact incomplete: " + received + " of " + total + " chunks");
    }
    if (bytesHeld != totalSize) {
      throw new IllegalStateException(
          "artifact has " + bytesHeld + " bytes, its chunks announced " + totalSize);
    }
    byte[] bytes = new byte[(int) bytesHeld];
    int offset = 0;
    for (ByteString chunk : chunks) {
      chunk.copyTo(bytes, offset);
      offset += chunk.size();
    }
    if (!sha256.isEmpty() && !sha256.equalsIgnoreCase(sha256Hex(bytes))) {
      throw new IllegalStateException("artifact does not match its SHA-256 " + sha256);
    }
    return bytes;
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
