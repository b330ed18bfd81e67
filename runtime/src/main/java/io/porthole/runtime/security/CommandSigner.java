package io.porthole.runtime.security;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.porthole.proto.RemediationCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;

/**
 * Signs remediation commands with the controller's Ed25519 private key: the signature covers the
 * deterministic serialization of the command with {@code signature} unset and {@code
 * signing_key_id} set to this key's id. Only the controller holds one; collectors hold {@link
 * CommandVerifier}s.
 */
public final class CommandSigner {

  private final CommandKeys.SigningKey key;

  public CommandSigner(CommandKeys.SigningKey key) {
    this.key = Objects.requireNonNull(key, "key");
  }

  /**
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static CommandSigner fromFile(Path signingKeyFile) {
    return new CommandSigner(CommandKeys.readSigningKey(signingKeyFile));
  }

  public String keyId() {
    return key.keyId();
  }

  /** A verifier of this signer's own commands (the controller checks what it reads back). */
  public CommandVerifier verifier() {
    return CommandVerifier.of(List.of(key.publicKey()));
  }

  public CommandKeys.SigningKey key() {
    return key;
  }

  public RemediationCommand sign(RemediationCommand command) {
    RemediationCommand unsigned =
        command.toBuilder().clearSignature().setSigningKeyId(key.keyId()).build();
    byte[] signature = Ed25519.sign(key.privateKey(), deterministicBytes(unsigned));
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  /**
   * SHA-256 of the command as signed (signature included): results carry it, so that a result is
   * applied only to the very command it answers, not to another one with the same id.
   */
  public static byte[] digest(RemediationCommand command) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(deterministicBytes(command));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  static byte[] deterministicBytes(RemediationCommand command) {
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
