package io.porthole.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings one module reads, declared once: the list refuses unknown keys under the prefixes it
 * owns, and the configuration reference ({@code docs/configuration.md}) is generated from it.
 *
 * @param title the section of the reference ({@code Collector})
 * @param definitions the settings, in the order the reference lists them
 */
public record SettingDefinitions(String title, List<SettingDefinition> definitions) {

  public SettingDefinitions {
    definitions = List.copyOf(definitions);
  }

  public static SettingDefinitions of(String title, SettingDefinition... definitions) {
    return new SettingDefinitions(title, List.of(definitions));
  }

  /** The first words of the keys ({@code kafka}, {@code rule}, ...). */
  public Set<String> prefixes() {
    Set<String> prefixes = new TreeSet<>();
    definitions.forEach(d -> prefixes.add(d.prefix()));
    return prefixes;
  }

  /** Whether a concrete key is declared here. */
  public boolean declares(String key) {
    return definitions.stream().anyMatch(d -> d.matches(key));
  }

  /**
   * Refuses every key set under one of {@code prefixes} that none of {@code declared} declares.
   * Keys under other prefixes are left alone (another module may read them).
   *
   * @throws ConfigException naming the key as the operator wrote it, and the nearest known key
   */
  public static void rejectUnknown(
      Settings settings, Collection<SettingDefinitions> declared, Set<String> prefixes) {
    List<SettingDefinition> all = new ArrayList<>();
    declared.forEach(d -> all.addAll(d.definitions()));
    for (String key : settings.keys()) {
      int dot = key.indexOf('.');
      String prefix = dot < 0 ? key : key.substring(0, dot);
      if (prefixes.contains(prefix) && all.stream().noneMatch(d -> d.matches(key))) {
        throw new ConfigException(
            settings.describe(key),
            "unknown setting; the nearest known key is " + nearest(key, all));
      }
    }
  }

  /** Refuses unknown keys under every prefix the given modules declare. */
  public static void rejectUnknown(Settings settings, Collection<SettingDefinitions> declared) {
    Set<String> prefixes = new TreeSet<>();
    declared.forEach(d -> prefixes.addAll(d.prefixes()));
    rejectUnknown(settings, declared, prefixes);
  }

  static String nearest(String key, List<SettingDefinition> definitions) {
    return definitions.stream()
        .map(SettingDefinition::key)
        .min(Comparator.comparingInt((String known) -> distance(key, known)).thenComparing(k -> k))
        .orElse("(none)");
  }

  /** Levenshtein distance: the fewest one-character edits from one key to the other. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
