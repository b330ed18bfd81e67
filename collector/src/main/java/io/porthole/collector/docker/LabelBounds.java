package io.porthole.collector.docker;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds on the container labels the collector copies into its events. Labels are the container
 * author's input and the engine accepts them large and many; copied whole into every lifecycle
 * event, a container with megabytes of labels would make each of its events larger than Kafka
 * accepts, and its die or OOM kill would be lost. Porthole's own labels ({@code porthole.*}, {@code
 * dev.porthole.*}: tracing, rule exclusions) are kept first, then the others in the engine's order,
 * while they fit. What was left out is counted in the label {@value #OMITTED}; a rule exclusion
 * selecting a label that was left out does not match. Sizes are counted in chars (UTF-16 units).
 */
public final class LabelBounds {

  /** The label that counts the labels left out, when any were. */
  public static final String OMITTED = "porthole.labels.omitted";

  static final int MAX_LABELS = 64;
  static final int MAX_KEY_CHARS = 256;
  static final int MAX_VALUE_CHARS = 4096;
  static final int MAX_TOTAL_CHARS = 32 * 1024;

  private LabelBounds() {}

  /** The labels to publish: {@code labels} itself when within bounds, else a bounded copy. */
  public static Map<String, String> bounded(Map<String, String> labels) {
    if (labels.size() <= MAX_LABELS && fits(labels)) {
      return labels;
    }
    Map<String, String> kept = new LinkedHashMap<>();
    int total = 0;
    int omitted = 0;
    // Porthole's own labels first (they steer tracing and rule exclusions), then the others, in
    // the engine's order, while they fit; one place stays free for the count of what was left out.
    for (boolean own : new boolean[] {true, false}) {
      for (Map.Entry<String, String> label : labels.entrySet()) {
        if (ours(label.getKey()) != own) {
          continue;
        }
        if (withinOwnBounds(label)
            && kept.size() < MAX_LABELS - 1
            && total + size(label) <= MAX_TOTAL_CHARS) {
          kept.put(label.getKey(), label.getValue());
          total += size(label);
        } else {
          omitted++;
        }
      }
    }
    if (omitted > 0) {
      kept.put(OMITTED, String.valueOf(omitted));
    }
    return kept;
  }

  private static boolean fits(Map<String, String> labels) {
    int total = 0;
    for (Map.Entry<String, String> label : labels.entrySet()) {
      if (!withinOwnBounds(label)) {
        return false;
      }
      total += size(label);
    }
    return total <= MAX_TOTAL_CHARS;
  }

  private static boolean ours(String key) {
    return key.startsWith("porthole.") || key.startsWith("dev.porthole.");
  }

  private static boolean withinOwnBounds(Map.Entry<String, String> label) {
    return label.getKey().length() <= MAX_KEY_CHARS
        && label.getValue() != null
        && label.getValue().length() <= MAX_VALUE_CHARS;
  }

  private static int size(Map.Entry<String, String> label) {
    return label.getKey().length() + label.getValue().length();
  }
}
