package io.porthole.analyzer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The open-addressing container table against a HashMap doing the same. */
class ContainerTableTest {

  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private final Map<String, HostState> hosts = new HashMap<>();

  private HostState host(String hostId) {
    return hosts.computeIfAbsent(hostId, id -> new HostState(id, NOW));
  }

  private static String dockerId(Random random) {
    StringBuilder id = new StringBuilder();
    while (id.length() < ContainerTable.DOCKER_ID_LENGTH) {
      id.append(String.format(Locale.ROOT, "%016x", random.nextLong()));
    }
    return id.toString();
  }

  @Test
  void findsWhatWasAddedByHostAndIdAndNothingElse() {
    ContainerTable table = new ContainerTable();
    String id = "0123456789abcdef".repeat(4);
    ContainerState onA = table.add(id, host("host-a"), NOW);
    ContainerState shortId = table.add("c1", host("host-a"), NOW);

    assertThat(table.get("host-a", new String(id))).isSameAs(onA);
    assertThat(table.get("host-a", "c1")).isSameAs(shortId);
    assertThat(table.get("host-b", id)).as("the same id on another host").isNull();
    assertThat(table.get("host-a", id.toUpperCase(Locale.ROOT)))
        .as("uppercase digits: another id, compared as a string")
        .isNull();
    assertThat(table.get("host-a", id.substring(1) + "0")).isNull();
    assertThat(table.get("host-a", "c2")).isNull();
    assertThat(table.size()).isEqualTo(2);
    assertThat(onA.hostId()).isSameAs(hosts.get("host-a").hostId());
  }

  @Test
  void dockerIdsAreFourWordsOfLowercaseHex() {
    long[] words = new long[ContainerTable.DOCKER_ID_WORDS];
    assertThat(
            ContainerTable.dockerIdWords(
                "00000000000000010000000000000002" + "f".repeat(32), words))
        .isTrue();
    assertThat(words).containsExactly(1L, 2L, -1L, -1L);
    assertThat(ContainerTable.dockerIdWords("g" + "0".repeat(63), words)).isFalse();
    assertThat(ContainerTable.dockerIdWords("A" + "0".repeat(63), words)).isFalse();
    assertThat(ContainerTable.dockerIdWords("\u00e9" + "0".repeat(63), words)).isFalse();
    assertThat(ContainerTable.dockerIdWords("0".repeat(63), words)).isFalse();
  }

  @Test
  void behavesAsAMapThroughGrowthRemovalsAndIteratorRemovals() {
    Random random = new Random(7);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      String hostId = "host-" + random.nextInt(3);
      String containerId = random.nextInt(4) == 0 ? "c" + i : dockerId(random);
      keys.add(hostId + "/" + containerId);
    }
    ContainerTable table = new ContainerTable();
    Map<String, ContainerState> model = new HashMap<>();
    for (int round = 0; round < 40_000; round++) {
      String key = keys.get(random.nextInt(keys.size()));
      String hostId = key.substring(0, key.indexOf('/'));
      String containerId = key.substring(key.indexOf('/') + 1);
      ContainerState found = table.get(hostId, containerId);
      assertThat(found).as(key).isSameAs(model.get(key));
      int action = random.nextInt(10);
      if (found == null && action < 7) {
        model.put(key, table.add(containerId, host(hostId), NOW));
      } else if (found != null && action == 0) {
        assertThat(table.remove(found)).isTrue();
        assertThat(table.remove(found)).as("removed already").isFalse();
        model.remove(key);
      }
      if (round % 5_000 == 4_999) {
        // Remove about a third through the iterator; every state is visited exactly once.
        List<ContainerState> before = new ArrayList<>(model.values());
        List<ContainerState> visited = new ArrayList<>();
        for (Iterator<ContainerState> it = table.values().iterator(); it.hasNext(); ) {
          ContainerState state = it.next();
          visited.add(state);
          if (random.nextInt(3) == 0) {
            it.remove();
            model.remove(state.key());
          }
        }
        assertThat(visited).containsExactlyInAnyOrderElementsOf(before);
        assertThat(table.size()).isEqualTo(model.size());
        assertThat(table.values()).containsExactlyInAnyOrderElementsOf(model.values());
      }
      assertThat(table.size()).isEqualTo(model.size());
    }
    for (Map.Entry<String, ContainerState> entry : model.entrySet()) {
      ContainerState state = entry.getValue();
      assertThat(table.get(state.hostId(), state.containerId())).isSameAs(state);
    }
    assertThat(model.size()).as("the table grew past its first capacity").isGreaterThan(1_024);
  }

  @Test
  void theIteratorRemovesEverythingAndClearForgetsAll() {
    ContainerTable table = new ContainerTable();
    Random random = new Random(11);
    for (int i = 0; i < 2_000; i++) {
      table.add(dockerId(random), host("h"), NOW);
    }
    int visited = 0;
    for (Iterator<ContainerState> it = table.values().iterator(); it.hasNext(); ) {
      it.next();
      it.remove();
      visited++;
    }
    assertThat(visited).isEqualTo(2_000);
    assertThat(table.size()).isZero();
    assertThat(table.values()).isEmpty();

    ContainerState state = table.add("c1", host("h"), NOW);
    table.clear();
    assertThat(table.get("h", "c1")).isNull();
    assertThat(table.remove(state)).isFalse();
    assertThat(table.size()).isZero();
  }

  @Test
  void anAdditionDuringIterationIsAConcurrentModification() {
    ContainerTable table = new ContainerTable();
    table.add("c1", host("h"), NOW);
    Iterator<ContainerState> it = table.values().iterator();
    it.next();
    table.add("c2", host("h"), NOW);
    assertThatThrownBy(it::hasNext).isInstanceOf(ConcurrentModificationException.class);
    Iterator<ContainerState> fresh = table.values().iterator();
    assertThatThrownBy(fresh::remove).isInstanceOf(IllegalStateException.class);
  }
}
