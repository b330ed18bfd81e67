package io.porthole.analyzer.engine;

import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The tracked containers by host and container id: an open-addressing table (linear probing, at
 * most half full) whose slots hold each container's key and last activity in one array of longs,
 * and its state in another array.
 *
 * <p>Why: with 50,000 containers a record's container is out of the CPU's caches. Through a {@code
 * HashMap} a flow's lookup read the bucket, the node, the key, the key's id strings and the state
 * one after another, each load waiting for the one before (the flat-cost figure,
 * docs/benchmarks.md). Here a flow no rule may use reads and writes its slot only ({@link
 * #activate}): the key is there (a Docker id as four words, the host as its number), and so is the
 * last activity. Only a record handed to the rules reads the state.
 *
 * <p>Single-threaded, like the engine. Removal shifts the rest of a cluster back (no tombstones),
 * and the iterator of {@link #values()} supports it.
 */
final class ContainerTable {

  private static final int MIN_CAPACITY = 1024;

  // A slot, STRIDE longs from HOST: the host (the hash of its id string in the high half; in the
  // low half its number, and NOT_DOCKER_ID when the container id is not a Docker id; 0: an empty
  // slot), the container id's words (any other id: its String hash in the first word, the state
  // compares the string), and the last activity in nanoseconds of the epoch (analyzer's clock).
  private static final int HOST = 0;
  private static final int WORDS = 1;
  private static final int ACTIVITY = WORDS + ContainerKey.DOCKER_ID_WORDS;
  private static final int STRIDE = ACTIVITY + 1;
  private static final long NOT_DOCKER_ID = 0x8000_0000L;
  private static final long HOST_NUMBER = 0x7fff_ffffL;

  private long[] slots;
  private ContainerState[] states;
  private int mask;
  private int size;
  private int modifications;
  private long readAheadSum;
  private final Values values = new Values();

  ContainerTable() {
    allocate(MIN_CAPACITY);
  }

  private void allocate(int capacity) {
    slots = new long[capacity * STRIDE];
    states = new ContainerState[capacity];
    mask = capacity - 1;
  }

  int size() {
    return size;
  }

  /**
   * Marks the container active at {@code nowNanos} (nanoseconds of the epoch); returns its slot,
   * for {@link #state}, or -1 when it is not tracked.
   */
  int activate(HostState host, ContainerKey key, long nowNanos) {
    long hostKey = hostKey(host, key.dockerId());
    for (int slot = (int) key.hash() & mask; ; slot = (slot + 1) & mask) {
      int base = slot * STRIDE;
      long slotHost = slots[base + HOST];
      if (slotHost == 0) {
        return -1;
      }
      if (((slotHost ^ hostKey) & ~HOST_NUMBER) == 0
          && key.sameWords(slots, base + WORDS)
          && isKey(slot, slotHost, hostKey, host, key)) {
        slots[base + ACTIVITY] = nowNanos;
        return slot;
      }
    }
  }

  /**
   * Reads the first slot of the key's probe: the reads of a batch's slots, one after another with
   * nothing depending on them, wait for memory together rather than each in turn when its record is
   * analysed. What they read is kept (readAheadSum), so that they are made.
   */
  void readAhead(ContainerKey key) {
    int base = ((int) key.hash() & mask) * STRIDE;
    readAheadSum += slots[base + HOST] + slots[base + ACTIVITY];
  }

  /**
   * The rest of a key's comparison, once the host's hash, the kind of id and the words are equal:
   * the host (by number; by its id string when the number differs, as for a host forgotten and seen
   * again, whose containers then take the new host state and number) and an id that is not a Docker
   * id.
   */
  private boolean isKey(int slot, long slotHost, long hostKey, HostState host, ContainerKey key) {
    if (slotHost == hostKey && key.dockerId()) {
      return true; // the common case: neither the state nor its strings read
    }
    ContainerState state = states[slot];
    if (slotHost != hostKey && !state.hostId().equals(key.hostId())) {
      return false;
    }
    if (!key.dockerId() && !state.containerId().equals(key.containerId())) {
      return false;
    }
    if (slotHost != hostKey) {
      slots[slot * STRIDE + HOST] = hostKey;
      state.rebind(host);
    }
    return true;
  }

  /** The state in a slot {@link #activate} or {@link #add} returned (until the next change). */
  ContainerState state(int slot) {
    return states[slot];
  }

  /**
   * Tracks a new container, not tracked yet ({@link #activate} returned -1), active at {@code
   * nowNanos}; returns its slot. Its state keeps the host's own id string (shared by the host's
   * containers).
   */
  int add(HostState host, ContainerKey key, long nowNanos) {
    if (size + 1 > (mask + 1) / 2) {
      grow();
    }
    int slot = (int) key.hash() & mask;
    while (slots[slot * STRIDE + HOST] != 0) {
      slot = (slot + 1) & mask;
    }
    int base = slot * STRIDE;
    slots[base + HOST] = hostKey(host, key.dockerId());
    key.copyWords(slots, base + WORDS);
    slots[base + ACTIVITY] = nowNanos;
    states[slot] = new ContainerState(host.hostId(), key.containerId(), host, this, slot);
    size++;
    modifications++;
    return slot;
  }

  /** The last activity of the container in this slot, in nanoseconds of the epoch. */
  long activityNanos(int slot) {
    return slots[slot * STRIDE + ACTIVITY];
  }

  /** Forgets the container of this state; false when it is not tracked here. */
  boolean remove(ContainerState state) {
    int slot = state.slot();
    if (slot < 0 || state.table() != this || states[slot] != state) {
      return false;
    }
    removeAt(slot);
    return true;
  }

  /** Forgets the containers last active before {@code cutoffNanos}; returns how many. */
  int removeInactiveBefore(long cutoffNanos) {
    int removed = 0;
    Cursor cursor = new Cursor();
    while (cursor.hasNext()) {
      cursor.next();
      if (activityNanos(cursor.current) < cutoffNanos) {
        cursor.remove();
        removed++;
      }
    }
    return removed;
  }

  void clear() {
    for (int slot = 0; slot <= mask; slot++) {
      if (states[slot] != null) {
        states[slot].detach(activityNanos(slot));
      }
    }
    Arrays.fill(slots, 0);
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
    states[slot].detach(activityNanos(slot));
    int hole = slot;
    for (int next = (slot + 1) & mask; slots[next * STRIDE + HOST] != 0; next = (next + 1) & mask) {
      int home = homeOf(next);
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        System.arraycopy(slots, next * STRIDE, slots, hole * STRIDE, STRIDE);
        states[hole] = states[next];
        states[hole].moved(hole);
        hole = next;
      }
    }
    Arrays.fill(slots, hole * STRIDE, hole * STRIDE + STRIDE, 0);
    states[hole] = null;
    size--;
    modifications++;
  }

  private void grow() {
    long[] oldSlots = slots;
    ContainerState[] oldStates = states;
    allocate(oldStates.length * 2);
    for (int old = 0; old < oldStates.length; old++) {
      if (oldStates[old] != null) {
        int slot = home(oldSlots, old * STRIDE);
        while (slots[slot * STRIDE + HOST] != 0) {
          slot = (slot + 1) & mask;
        }
        System.arraycopy(oldSlots, old * STRIDE, slots, slot * STRIDE, STRIDE);
        states[slot] = oldStates[old];
        states[slot].moved(slot);
      }
    }
    modifications++;
  }

  private static long hostKey(HostState host, boolean dockerId) {
    return ((long) host.hostId().hashCode() << 32) | (dockerId ? 0 : NOT_DOCKER_ID) | host.number();
  }

  private int homeOf(int slot) {
    return home(slots, slot * STRIDE);
  }

  /** The home slot of the key in {@code from} of {@code table}: as {@link ContainerKey#hash}. */
  private int home(long[] table, int from) {
    long hostKey = table[from + HOST];
    return (int)
            ContainerKey.hash(
                (int) (hostKey >>> 32), (hostKey & NOT_DOCKER_ID) == 0, table, from + WORDS)
        & mask;
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
      while (size > 0 && states[empty] != null) {
        empty++;
      }
      start = empty;
    }

    @Override
    public boolean hasNext() {
      checkModifications();
      while (passed <= mask && states[(start + 1 + passed) & mask] == null) {
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
