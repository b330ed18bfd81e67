package io.porthole.analyzer.engine;

import io.porthole.wire.Topic;
import java.util.Arrays;

/**
 * A container's host and id, checked and hashed for the engine's container table: a Docker id (64
 * lowercase hex digits) as four words, which the table compares in place of the id string, and the
 * hash that picks the table slot. Built off the analysis thread (on a decode thread, for flows no
 * rule may use), so that the analysis thread neither parses nor hashes the ids, and can read the
 * slots of a whole batch ahead ({@link AnalysisEngine#readAhead}).
 */
public final class ContainerKey {

  static final int DOCKER_ID_LENGTH = 64;
  static final int DOCKER_ID_WORDS = 4;
  private static final int DIGITS_PER_WORD = 16;
  private static final int INVALID = 0x100;
  private static final int[] HEX_VALUES = new int[128];

  static {
    Arrays.fill(HEX_VALUES, INVALID);
    for (int digit = 0; digit < DIGITS_PER_WORD; digit++) {
      HEX_VALUES[Character.forDigit(digit, DIGITS_PER_WORD)] = digit;
    }
  }

  private final String hostId;
  private final String containerId;
  private final boolean dockerId;
  // A Docker id's words; any other id: its String hash in word0, zeros after.
  private final long word0;
  private final long word1;
  private final long word2;
  private final long word3;
  private final long hash;

  private ContainerKey(String hostId, String containerId) {
    this.hostId = hostId;
    this.containerId = containerId;
    long[] words = new long[DOCKER_ID_WORDS];
    this.dockerId = dockerIdWords(containerId, words);
    this.word0 = words[0];
    this.word1 = words[1];
    this.word2 = words[2];
    this.word3 = words[3];
    this.hash = hash(hostId.hashCode(), dockerId, words, 0);
  }

  /**
   * The key of a container's record on {@code topic}.
   *
   * @throws InvalidEventException when the host or container id is empty or contains '/'
   */
  public static ContainerKey of(Topic topic, String hostId, String containerId) {
    return of(topic, null, hostId, containerId);
  }

  /** The same, naming the event in the error when {@code eventId} is not null. */
  static ContainerKey of(Topic topic, String eventId, String hostId, String containerId) {
    if (hostId.isEmpty() || containerId.isEmpty()) {
      throw new InvalidEventException(
          describe(eventId) + " on " + topic + " lacks host_id or container_id");
    }
    if (hostId.indexOf('/') >= 0 || containerId.indexOf('/') >= 0) {
      throw new InvalidEventException(
          describe(eventId) + " on " + topic + ": host or container id contains '/'");
    }
    return new ContainerKey(hostId, containerId);
  }

  private static String describe(String eventId) {
    return eventId == null ? "a record" : "event " + eventId;
  }

  public String hostId() {
    return hostId;
  }

  public String containerId() {
    return containerId;
  }

  boolean dockerId() {
    return dockerId;
  }

  long hash() {
    return hash;
  }

  /** Whether the words at {@code from} in {@code slots} are this key's. */
  boolean sameWords(long[] slots, int from) {
    return slots[from] == word0
        && slots[from + 1] == word1
        && slots[from + 2] == word2
        && slots[from + 3] == word3;
  }

  void copyWords(long[] slots, int from) {
    slots[from] = word0;
    slots[from + 1] = word1;
    slots[from + 2] = word2;
    slots[from + 3] = word3;
  }

  /**
   * The hash of a key: from its host's id hash, its kind of id and its words, well mixed (the table
   * takes its low bits), by MurmurHash3's 64-bit finalizer.
   */
  static long hash(int hostHash, boolean dockerId, long[] words, int from) {
    long hash = ((long) hostHash << 1) | (dockerId ? 1 : 0);
    for (int word = 0; word < DOCKER_ID_WORDS; word++) {
      hash = hash * 0x9E3779B97F4A7C15L + words[from + word];
    }
    hash ^= hash >>> 33;
    hash *= 0xff51afd7ed558ccdL;
    hash ^= hash >>> 33;
    hash *= 0xc4ceb9fe1a85ec53L;
    hash ^= hash >>> 33;
    return hash;
  }

  /**
   * Fills {@code into} with the words of {@code id}: when it is a Docker id (64 lowercase hex
   * digits; only lowercase, so that two ids are the same words exactly when they are equal) its
   * four words, and returns true; otherwise its String hash and zeros, and returns false.
   */
  static boolean dockerIdWords(String id, long[] into) {
    if (id.length() == DOCKER_ID_LENGTH) {
      int invalid = 0;
      for (int word = 0; word < DOCKER_ID_WORDS; word++) {
        long value = 0;
        int offset = word * DIGITS_PER_WORD;
        for (int i = 0; i < DIGITS_PER_WORD; i++) {
          char c = id.charAt(offset + i);
          int digit = c < HEX_VALUES.length ? HEX_VALUES[c] : INVALID;
          invalid |= digit;
          value = (value << 4) | (digit & 0xf);
        }
        into[word] = value;
      }
      if ((invalid & INVALID) == 0) {
        return true;
      }
    }
    into[0] = id.hashCode();
    Arrays.fill(into, 1, DOCKER_ID_WORDS, 0);
    return false;
  }

  @Override
  public String toString() {
    return hostId + '/' + containerId;
  }
}
