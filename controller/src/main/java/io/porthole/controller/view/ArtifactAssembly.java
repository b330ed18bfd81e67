package io.porthole.controller.view;

import com.google.protobuf.ByteString;
import io.porthole.proto.ArtifactChunk;
import java.util.List;
import java.util.TreeMap;

/**
 * The chunks of one artifact as they arrive, checked against the count, size and hash they
 * announce. Memory follows the bytes that arrived, not what a chunk claims: chunks are kept in a
 * map by index, and a chunk that would take the artifact past its announced size is refused.
 */
final class ArtifactAssembly {

  private final int total;
  private final long totalSize;
  private final String sha256;
  private final String contentType;
  private final String fileName;
  private TreeMap<Integer, ByteString> chunks;
  private int received;
  private long bytesHeld;

  /**
   * @param keep false when the artifact is not to be held at all (too large): it starts evicted
   */
  ArtifactAssembly(ArtifactChunk first, boolean keep) {
    this.total = first.getTotal();
    this.totalSize = first.getTotalSize();
    this.sha256 = first.getSha256();
    this.contentType =
        first.getContentType().isEmpty() ? "application/octet-stream" : first.getContentType();
    this.fileName = first.getFileName();
    this.chunks = keep && total > 0 ? new TreeMap<>() : null;
  }

  /** Why the chunk does not belong to this artifact, or null when it was taken (or a duplicate). */
  String add(ArtifactChunk chunk) {
    if (chunks == null) {
      return null;
    }
    if (chunk.getTotal() != total || total < 1 || chunk.getIndex() >= total) {
      return "chunk "
          + chunk.getIndex()
          + "/"
          + chunk.getTotal()
          + " does not fit an artifact of "
          + total
          + " chunks";
    }
    if (chunk.getTotalSize() != totalSize) {
      return "chunk announces " + chunk.getTotalSize() + " bytes, the artifact " + totalSize;
    }
    if (chunks.containsKey(chunk.getIndex())) {
      return null;
    }
    if (bytesHeld + chunk.getData().size() > totalSize) {
      return "chunk "
          + chunk.getIndex()
          + " would take the artifact past its announced "
          + totalSize
          + " bytes";
    }
    chunks.put(chunk.getIndex(), chunk.getData());
    received++;
    bytesHeld += chunk.getData().size();
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
   * The complete artifact's chunks in order (shared, immutable: nothing is copied).
   *
   * @throws IllegalStateException naming what is wrong when it is incomplete, evicted, or its size
   *     does not match what the chunks announced
   */
  ArtifactContent content() {
    if (chunks == null) {
      throw new IllegalStateException("artifact was evicted to bound the controller's memory");
    }
    if (received < total) {
      throw new IllegalStateException(
          "artifact incomplete: " + received + " of " + total + " chunks");
    }
    if (bytesHeld != totalSize) {
      throw new IllegalStateException(
          "artifact has " + bytesHeld + " bytes, its chunks announced " + totalSize);
    }
    return new ArtifactContent(List.copyOf(chunks.values()), totalSize, sha256);
  }
}
