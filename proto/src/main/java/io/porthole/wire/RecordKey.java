package io.porthole.wire;

import java.util.Objects;

/**
 * The key of an event record: {@code hostId/containerId}. Host-wide records (heartbeats, commands)
 * are keyed by the host id alone, which parses to a key with an empty container id.
 */
public record RecordKey(String hostId, String containerId) {

  public static final char SEPARATOR = '/';

  public RecordKey {
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(containerId, "containerId");
    if (hostId.isEmpty()) {
      throw new IllegalArgumentException("record key: host id is empty");
    }
    if (hostId.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("record key: host id '" + hostId + "' contains '/'");
    }
    if (containerId.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException(
          "record key: container id '" + containerId + "' contains '/'");
    }
  }

  /** A host-wide key (heartbeats, commands). */
  public static RecordKey ofHost(String hostId) {
    return new RecordKey(hostId, "");
  }

  /**
   * Parses {@code hostId/containerId} or {@code hostId}.
   *
   * @throws IllegalArgumentException naming the text when it is not of that form
   */
  public static RecordKey parse(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("record key: empty; expected hostId/containerId");
    }
    int slash = key.indexOf(SEPARATOR);
    if (slash < 0) {
      return ofHost(key);
    }
    if (slash == 0 || key.indexOf(SEPARATOR, slash + 1) >= 0) {
      throw new IllegalArgumentException(
          "record key: '" + key + "' is not of the form hostId/containerId");
    }
    return new RecordKey(key.substring(0, slash), key.substring(slash + 1));
  }

  public boolean isHostWide() {
    return containerId.isEmpty();
  }

  /** The key as written to Kafka. */
  public String asString() {
    return isHostWide() ? hostId : hostId + SEPARATOR + containerId;
  }

  @Override
  public String toString() {
    return asString();
  }
}
