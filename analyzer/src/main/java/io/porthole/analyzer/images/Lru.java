package io.porthole.analyzer.images;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map in access order that evicts its least recently used entry beyond its capacity. */
final class Lru {

  private Lru() {}

  static <V> Map<String, V> of(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > capacity;
      }
    };
  }
}
