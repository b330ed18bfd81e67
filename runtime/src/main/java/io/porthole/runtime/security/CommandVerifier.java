package io.porthole.runtime.security;

import io.porthole.proto.RemediationCommand;
import io.porthole.wire.Timestamps;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a remediation command may be executed here: signed by one of the configured
 * public keys (found by the command's {@code signing_key_id}, so that several keys can be trusted
 * while one is rotated), addressed to this host, not expired, with a lifetime no longer than the
 * maximum and an issue time not further in the future than the allowed clock skew. Whether its id
 * was accepted before is the collector's {@code AcceptedCommands}' business.
 */
public final class CommandVerifier {

  private final Map<String, PublicKey> keysById;

  private CommandVerifier(Map<String, PublicKey> keysById) {
    if (keysById.isEmpty()) {
      throw new IllegalArgumentException("at least one verify key is needed");
    }
    this.keysById = Map.copyOf(keysById);
  }

  public static CommandVerifier of(Collection<PublicKey> keys) {
    Map<String, PublicKey> byId = new LinkedHashMap<>();
    keys.forEach(k -> byId.put(CommandKeys.keyId(k), k));
    return new CommandVerifier(byId);
  }

  /** The public keys of every file (each may hold several). */
  public static CommandVerifier fromFiles(List<Path> files) {
    List<PublicKey> keys = new ArrayList<>();
    files.forEach(f -> keys.addAll(CommandKeys.readPublicKeys(f)));
    return of(keys);
  }

  public Set<String> keyIds() {
    return keysById.keySet();
  }

  /** Why the signature is not one of ours, or empty when it verifies. */
  public Optional<String> signatureProblem(RemediationCommand command) {
    if (command.getSignature().isEmpty()) {
      return Optional.of("command is not signed");
    }
    PublicKey key = keysById.get(command.getSigningKeyId());
    if (key == null) {
      return Optional.of(
          "command is signed with key '"
              + command.getSigningKeyId()
              + "', not one of the trusted keys "
              + keysById.keySet());
    }
    byte[] signed = CommandSigner.deterministicBytes(command.toBuilder().clearSignature().build());
    if (!Ed25519.verify(key, signed, command.getSignature().toByteArray())) {
      return Optional.of("signature does not verify (forged, altered, or signed with another key)");
    }
    return Optional.empty();
  }

  /**
   * Why the command must not be executed, or empty when it may be.
   *
   * @param maxLifetime longest {@code expires_at - issued_at} accepted
   * @param clockSkew how far in the future {@code issued_at} may be (the controller's clock may be
   *     ahead)
   */
  public Optional<String> rejectionReason(
      RemediationCommand command,
      String ownHostId,
      Instant now,
      Duration maxLifetime,
      Duration clockSkew) {
    Optional<String> signature = signatureProblem(command);
    if (signature.isPresent()) {
      return signature;
    }
    if (!command.hasExpiresAt() || !command.hasIssuedAt()) {
      return Optional.of("command has no issue time or no expiry");
    }
    Instant issuedAt = Timestamps.toInstant(command.getIssuedAt());
    Instant expiresAt = Timestamps.toInstant(command.getExpiresAt());
    if (!now.isBefore(expiresAt)) {
      return Optional.of("command expired at " + expiresAt);
    }
    if (issuedAt.isAfter(now.plus(clockSkew))) {
      return Optional.of(
          "command is issued at "
              + issuedAt
              + ", more than "
              + clockSkew.toSeconds()
              + " s after this host's time "
              + now
              + " (clock skew)");
    }
    Duration lifetime = Duration.between(issuedAt, expiresAt);
    if (lifetime.compareTo(maxLifetime) > 0 || lifetime.isNegative()) {
      return Optional.of(
          "command lifetime "
              + lifetime.toSeconds()
              + " s exceeds the maximum of "
              + maxLifetime.toSeconds()
              + " s");
    }
    if (!command.getHostId().equals(ownHostId)) {
      return Optional.of(
          "command is for host '" + command.getHostId() + "', this is '" + ownHostId + "'");
    }
    return Optional.empty();
  }
}
