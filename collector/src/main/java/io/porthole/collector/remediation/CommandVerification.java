package io.porthole.collector.remediation;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import io.porthole.runtime.security.CommandVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the collector decides that a command comes from the controller and is fresh: the controller's
 * public keys (several while a key is rotated), the longest command lifetime accepted, the clock
 * skew allowed for issue times, and how many accepted command ids may be remembered at once.
 *
 * @param verifier the public keys of {@code command.verify.key.file} (comma-separated files)
 * @param maxLifetime {@code command.max.lifetime}: longest {@code expires_at - issued_at} executed
 * @param clockSkew {@code command.clock.skew}: how far in the future an issue time may be
 * @param maxAcceptedIds {@code command.accepted.max}: ids remembered at once (beyond, commands are
 *     refused rather than forgetting an id that could then be replayed)
 */
public record CommandVerification(
    CommandVerifier verifier, Duration maxLifetime, Duration clockSkew, int maxAcceptedIds) {

  public static final String VERIFY_KEY_FILE = "command.verify.key.file";
  public static final String MAX_LIFETIME = "command.max.lifetime";
  public static final String CLOCK_SKEW = "command.clock.skew";
  public static final String MAX_ACCEPTED_IDS = "command.accepted.max";

  public CommandVerification {
    Objects.requireNonNull(verifier, "verifier");
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    Objects.requireNonNull(clockSkew, "clockSkew");
  }

  /**
   * @throws ConfigException naming the key when the key files are missing or not public keys
   */
  public static CommandVerification from(Settings settings) {
    List<String> files = settings.list(VERIFY_KEY_FILE, List.of());
    if (files.isEmpty()) {
      throw new ConfigException(
          settings.describe(VERIFY_KEY_FILE),
          "required while remediation.enabled is true (the controller's Ed25519 public "
              + "key file(s), comma-separated;"
              + " `porthole up` writes command-verify.pem in its data directory)");
    }
    CommandVerifier verifier;
    try {
      verifier =
          CommandVerifier.fromFiles(files.stream().map(String::strip).map(Path::of).toList());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(settings.describe(VERIFY_KEY_FILE), e.getMessage());
    }
    return new CommandVerification(
        verifier,
        settings.duration(
            MAX_LIFETIME, Duration.ofMinutes(10), Duration.ofSeconds(5), Duration.ofHours(24)),
        settings.duration(
            CLOCK_SKEW, Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(10)),
        settings.integer(MAX_ACCEPTED_IDS, 100_000, 100, 10_000_000));
  }

  /** How long an accepted id must be remembered: no copy of its command can be valid after that. */
  public Duration retention() {
    return maxLifetime.plus(clockSkew);
  }

  /** Where the accepted ids are kept, in the remediation data directory. */
  public static Path acceptedIdsFile(RemediationConfig config) {
    return config.dataDir().resolve("accepted-commands.log");
  }
}
