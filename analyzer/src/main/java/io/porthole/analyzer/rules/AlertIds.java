package io.porthole.analyzer.rules;

import io.porthole.proto.Rule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic alert ids: the same rule, host, container and episode identity always give the same
 * id, so re-processing after a restart publishes duplicates that consumers can drop.
 */
public final class AlertIds {

  private AlertIds() {}

  public static String of(Rule rule, String hostId, String containerId, String episode) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      String identity = rule.name() + '\n' + hostId + '\n' + containerId + '\n' + episode;
      byte[] hash = digest.digest(identity.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
