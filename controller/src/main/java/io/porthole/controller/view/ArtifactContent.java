package io.porthole.controller.view;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A complete artifact as the chunks it arrived in, to be streamed chunk by chunk instead of copied
 * into one array.
 *
 * @param size the sum of the chunks' sizes
 * @param sha256 the hash the collector announced (hex; empty when none)
 */
public record ArtifactContent(List<ByteString> chunks, long size, String sha256) {

  public ArtifactContent {
    chunks = List.copyOf(chunks);
  }

  /**
   * Checks the announced SHA-256 over the chunks (blocking: hashes every byte).
   *
   * @throws IllegalStateException when the bytes do not match it
   */
  public void verify() {
    if (sha256.isEmpty()) {
      return;
    }
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
    chunks.forEach(chunk -> digest.update(chunk.asReadOnlyByteBuffer()));
    if (!sha256.equalsIgnoreCase(HexFormat.of().formatHex(digest.digest()))) {
      throw new IllegalStateException("artifact does not match its SHA-256 " + sha256);
    }
  }

  /** All bytes in one array (tests and small artifacts only). */
  public byte[] toByteArray() {
    return ByteString.copyFrom(chunks).toByteArray();
  }
}
