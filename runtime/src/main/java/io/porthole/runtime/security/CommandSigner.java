package io.porthole.runtime.security;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.porthole.proto.RemediationCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies remediation commands: HMAC-SHA256, keyed with the shared command key
 * ({@code PORTHOLE_COMMAND_KEY}), over the deterministic serialization of the command with its
 * {@code signature} field unset.
 */
public final class CommandSigner {

  /** Shortest key accepted, in bytes. */
  public static final int MIN_KEY_BYTES = 16;

  private static final String ALGORITHM = "HmacSHA256";
  private final SecretKeySpec key;

  public CommandSigner(byte[] key) {
    if (key == null || key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          "command key: expected at least " + MIN_KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(key.clone(), ALGORITHM);
  }

  /** The key as configured: text, used as its UTF-8 bytes. */
  public static CommandSigner ofText(String key) {
    if (key == null || key.length() < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          "command key: expected at least " + MIN_KEY_BYTES + " characters");
    }
    return new CommandSigner(key.getBytes(StandardCharsets.UTF_8));
  }

  /** A fresh random key, as text (for {@code porthole up} when none is configured). */
  public static String generateKeyText() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public RemediationCommand sign(RemediationCommand command) {
    return command.toBuilder().setSignature(ByteString.copyFrom(mac(command))).build();
  }

  /** Why the command must not be executed, or empty when it may be (signature, expiry, host). */
  public Optional<String> rejectionReason(RemediationCommand command, String ownHostId, Instant now) {
    if (command.getSignature().isEmpty()) {
      return Optional.of("command is not signed");
    }
    if (!MessageDigest.isEqual(mac(command), command.getSignature().toByteArray())) {
      return Optional.of("signature does not verify (forged, altered, or signed with another key)");
    }
    if (!command.hasExpiresAt()) {
      return Optional.of("command has no expiry");
    }
    Instant expiresAt =
        Instant.ofEpochSecond(command.getExpiresAt().getSeconds(), command.getExpiresAt().getNanos());
    if (!now.isBefore(expiresAt)) {
      return Optional.of("command expired at " + expiresAt);
    }
    if (!command.getHostId().equals(ownHostId)) {
      return Optional.of(
          "command is for host '" + command.getHostId() + "', this is '" + ownHostId + "'");
    }
    return Optional.empty();
  }

  private byte[] mac(RemediationCommand command) {
    RemediationCommand unsigned = command.toBuilder().clearSignature().build();
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac.doFinal(deterministicBytes(unsigned));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static byte[] deterministicBytes(RemediationCommand command) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(command.getSerializedSize());
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    try {
      command.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
