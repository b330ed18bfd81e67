package io.porthole.analyzer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.engine.AnalysisEngine.ContainerKey;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The engine's container key: Docker ids packed into longs, every other id kept as it is. */
class ContainerKeyTest {

  private static final String ID =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @Test
  void aDockerIdEqualsTheSameIdOnTheSameHostOnly() {
    ContainerKey key = new ContainerKey("host-a", ID);
    assertThat(new ContainerKey(new String("host-a"), new String(ID)))
        .isEqualTo(key)
        .hasSameHashCodeAs(key);
    assertThat(new ContainerKey("host-b", ID)).isNotEqualTo(key);
  }

  @Test
  void idsThatDifferOnlyInTheirLastDigitsSpreadOverManyHashes() {
    // Ids padded with zeros, as test fixtures and the benchmark's make them: hashing the first 64
    // bits put all of them in one bucket.
    Set<Integer> hashes = new HashSet<>();
    for (int n = 0; n < 10_000; n++) {
      hashes.add(new ContainerKey("h", String.format("%064x", 0xC0FFEE00000000L + n)).hashCode());
    }
    assertThat(hashes).hasSizeGreaterThan(9_900);
  }

  @Test
  void everyDigitOfTheIdCounts() {
    ContainerKey key = new ContainerKey("host-a", ID);
    for (int i = 0; i < ID.length(); i++) {
      char other = ID.charAt(i) == 'f' ? '0' : 'f';
      String changed = ID.substring(0, i) + other + ID.substring(i + 1);
      assertThat(new ContainerKey("host-a", changed)).as("digit %d changed", i).isNotEqualTo(key);
    }
  }

  @Test
  void otherIdsAreComparedAsStringsAndNeverEqualAPackedOne() {
    String upper = ID.toUpperCase();
    assertThat(new ContainerKey("h", upper)).isEqualTo(new ContainerKey("h", upper));
    assertThat(new ContainerKey("h", upper)).isNotEqualTo(new ContainerKey("h", ID));
    assertThat(new ContainerKey("h", "web-1")).isEqualTo(new ContainerKey("h", "web-1"));
    assertThat(new ContainerKey("h", "web-1")).isNotEqualTo(new ContainerKey("h", "web-2"));
    // 64 characters, not all hex: kept as a string.
    String notHex = "g" + ID.substring(1);
    assertThat(new ContainerKey("h", notHex)).isEqualTo(new ContainerKey("h", notHex));
    assertThat(new ContainerKey("h", notHex)).isNotEqualTo(new ContainerKey("h", ID));
  }
}
