package io.porthole.controller.view;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map that holds at most {@code capacity} entries and evicts the least recently updated one. Not
 * thread-safe: the views synchronise around it.
 */
final class RecencyMap<K, V> {

  private final int capacity;
  private final LinkedHashMap<K, V> entries = new LinkedHashMap<>();
  private long evicted;

  RecencyMap(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  /** Stores the value as the most recently updated entry; returns what it evicted, if anything. */
  Map.Entry<K, V> put(K key, V value) {
    entries.remove(key);
    entries.put(key, value);
    if (entries.size() > capacity) {
      Map.Entry<K, V> eldest = entries.entrySet().iterator().next();
      entries.remove(eldest.getKey());
      evicted++;
      return eldest;
    }
    return null;
  }

  V get(K key) {
    return entries.get(key);
  }

  V remove(K key) {
    return entries.remove(key);
  }

  Collection<V> values() {
    return entries.values();
  }

  int size() {
    return entries.size();
  }

  long evicted() {
    return evicted;
  }
}
