package io.porthole.collector.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelBoundsTest {

  @Test
  void labelsWithinTheBoundsAreKeptAsTheyAre() {
    Map<String, String> labels = Map.of("app", "web", "porthole.trace", "syscalls");

    assertThat(LabelBounds.bounded(labels)).isSameAs(labels);
  }

  @Test
  void manyLargeLabelsAreCutToTheBoundsKeepingPortholesOwnAndCountingTheRest() {
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      labels.put("org.example.label-" + i, "x".repeat(1000));
    }
    labels.put("huge", "y".repeat(LabelBounds.MAX_VALUE_CHARS + 1));
    labels.put("porthole.trace", "syscalls");
    labels.put("dev.porthole.ignore", "HOST_NAMESPACES");

    Map<String, String> bounded = LabelBounds.bounded(labels);

    assertThat(bounded)
        .containsEntry("porthole.trace", "syscalls")
        .containsEntry("dev.porthole.ignore", "HOST_NAMESPACES")
        .doesNotContainKey("huge")
        .containsKey("org.example.label-0");
    assertThat(bounded.size()).isLessThanOrEqualTo(LabelBounds.MAX_LABELS);
    int total =
        bounded.entrySet().stream()
            .mapToInt(e -> e.getKey().length() + e.getValue().length())
            .sum();
    int count = LabelBounds.OMITTED.length() + bounded.get(LabelBounds.OMITTED).length();
    assertThat(total - count).isLessThanOrEqualTo(LabelBounds.MAX_TOTAL_CHARS);
    int kept = bounded.size() - 1; // without the count itself
    assertThat(bounded).containsEntry(LabelBounds.OMITTED, String.valueOf(labels.size() - kept));
  }

  @Test
  void aLabelWithAnOversizedKeyIsLeftOutEvenWhenItIsTheOnlyOne() {
    Map<String, String> labels = Map.of("k".repeat(LabelBounds.MAX_KEY_CHARS + 1), "v");

    assertThat(LabelBounds.bounded(labels)).containsExactly(Map.entry(LabelBounds.OMITTED, "1"));
  }
}
