package io.porthole.analyzer.engine;

import java.time.Instant;
import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The tracked containers by host and container id: an open-addressing table (linear probing, at
 * most half full) holding each container's key hash in one array and its state in another.
 *
 * <p>Why not a {@code HashMap}: with 50,000 containers, every record's lookup missed the CPU's
 * caches on the bucket, the node, the key, the key's id strings and then the state, each load
 * waiting for the one before (the flat-cost figure, docs/benchmarks.md). Here a lookup reads the
 * slot's hash and the slot's state, then the state itself, which holds a Docker id as four words
 * and its host's own id string ({@link ContainerState#hasKey}): no id string of its own is read.
 *
 * <p>Single-threaded, like the engine. Removal shifts the rest of a cluster back (no tombstones),
 * and the iterator of {@link #values()} supports it.
 */
final class ContainerTable {

  private static final int MIN_CAPACITY = 1024;
  // A Docker container id: 64 lowercase hex digits, kept as four words of 16 digits.
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

  // 0: an empty slot (a key's hash is never 0).
  private long[] hashes;
  private ContainerState[] states;
  private int mask;
  private int size;
  private int modifications;
  // The id words of the key being looked up (the table is single-threaded).
  private final long[] words = new long[DOCKER_ID_WORDS];
  private final Values values = new Values();

  ContainerTable() {
    allocate(MIN_CAPACITY);
  }

  private void allocate(int capacity) {
    hashes = new long[capacity];
    states = new ContainerState[capacity];
    mask = capacity - 1;
  }

  int size() {
    return size;
  }

  /** The state of the container, or null when it is not tracked. */
  ContainerState get(String hostId, String containerId) {
    boolean dockerId = dockerIdWords(containerId, words);
    long hash = hash(hostId, containerId, dockerId, words);
    for (int slot = (int) hash & mask; ; slot = (slot + 1) & mask) {
      long slotHash = hashes[slot];
      if (slotHash == 0) {
        return null;
      }
      if (slotHash == hash) {
        ContainerState state = states[slot];
        if (state.hasKey(hostId, containerId, dockerId ? words : null)) {
          return state;
        }
      }
    }
  }

  /**
   * Tracks a new container, not tracked yet ({@link #get} returned null): its state keeps the
   * host's own id string, so that the containers of a host share it.
   */
  ContainerState add(String containerId, HostState host, Instant now) {
    if (size + 1 > (mask + 1) / 2) {
      grow();
    }
    String hostId = host.hostId();
    boolean dockerId = dockerIdWords(containerId, words);
    long hash = hash(hostId, containerId, dockerId, words);
    ContainerState state =
        new ContainerState(hostId, containerId, host, now, hash, dockerId ? words : null);
    int slot = (int) hash & mask;
    while (hashes[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    hashes[slot] = hash;
    states[slot] = state;
    size++;
    modifications++;
    return state;
  }

  /** Forgets the container of this state; false when it was not tracked (or another state is). */
  boolean remove(ContainerState state) {
    long hash = state.keyHash();
    for (int slot = (int) hash & mask; hashes[slot] != 0; slot = (slot + 1) & mask) {
      if (states[slot] == state) {
        removeAt(slot);
        return true;
      }
    }
    return false;
  }

  void clear() {
    Arrays.fill(hashes, 0);
    Arrays.fill(states, null);
    size = 0;
    modifications++;
  }

  /** The states, in no particular order; its iterator's {@code remove} forgets a container. */
  Collection<ContainerState> values() {
    return values;
  }

  /**
   * Empties the slot, then moves back every later entry of its cluster that may live there (its
   * home slot is not between the hole and it), so that no lookup meets an empty slot before its
   * entry.
   */
  private void removeAt(int slot) {
    int hole = slot;
    for (int next = (slot + 1) & mask; hashes[next] != 0; next = (next + 1) & mask) {
      int home = (int) hashes[next] & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        hashes[hole] = hashes[next];
        states[hole] = states[next];
        hole = next;
      }
    }
    hashes[hole] = 0;
    states[hole] = null;
    size--;
    modifications++;
  }

  private void grow() {
    long[] oldHashes = hashes;
    ContainerState[] oldStates = states;
    allocate(oldHashes.length * 2);
    for (int old = 0; old < oldHashes.length; old++) {
      long hash = oldHashes[old];
      if (hash != 0) {
        int slot = (int) hash & mask;
        while (hashes[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        hashes[slot] = hash;
        states[slot] = oldStates[old];
      }
    }
    modifications++;
  }

  /**
   * Whether {@code id} is a Docker id (64 lowercase hex digits), and its four words into {@code
   * into} when it is. Only lowercase: two ids are the same words exactly when they are equal.
   */
  static boolean dockerIdWords(String id, long[] into) {
    if (id.length() != DOCKER_ID_LENGTH) {
      return false;
    }
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
    return (invalid & INVALID) == 0;
  }

  /** The key's hash, never 0: well mixed in its low bits, which pick the home slot. */
  static long hash(String hostId, String containerId, boolean dockerId, long[] words) {
    long hash = hostId.hashCode();
    if (dockerId) {
      for (long word : words) {
        hash = hash * 0x9E3779B97F4A7C15L + word;
      }
    } else {
      hash = hash * 0x9E3779B97F4A7C15L + containerId.hashCode();
    }
    // MurmurHash3's 64-bit finalizer.
    hash ^= hash >>> 33;
    hash *= 0xff51afd7ed558ccdL;
    hash ^= hash >>> 33;
    hash *= 0xc4ceb9fe1a85ec53L;
    hash ^= hash >>> 33;
    return hash == 0 ? 1 : hash;
  }

  private final class Values extends AbstractCollection<ContainerState> {
    @Override
    public int size() {
      return size;
    }

    @Override
    public Iterator<ContainerState> iterator() {
      return new Cursor();
    }
  }

  /**
   * Visits the slots once each, from the one after an empty slot around to it: no cluster crosses
   * that slot, so a removal only moves entries not yet visited back into the removed slot, which
   * the cursor then visits again.
   */
  private final class Cursor implements Iterator<ContainerState> {
    private final int start;
    // Slots passed since start: the next one to look at is start + 1 + passed.
    private int passed;
    private int current = -1;
    private int expectedModifications = modifications;

    Cursor() {
      int empty = 0;
      while (size > 0 && hashes[empty] != 0) {
        empty++;
      }
      start = empty;
    }

    @Override
    public boolean hasNext() {
      checkModifications();
      while (passed <= mask && hashes[(start + 1 + passed) & mask] == 0) {
        passed++;
      }
      return passed <= mask;
    }

    @Override
    public ContainerState next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      current = (start + 1 + passed) & mask;
      passed++;
      return states[current];
    }

    @Override
    public void remove() {
      checkModifications();
      if (current < 0) {
        throw new IllegalStateException("next() was not called, or remove() was already");
      }
      removeAt(current);
      current = -1;
      passed--; // the removed slot may now hold an entry not visited yet
      expectedModifications = modifications;
    }

    private void checkModifications() {
      if (modifications != expectedModifications) {
        throw new ConcurrentModificationException();
      }
    }
  }
}
