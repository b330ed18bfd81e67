package io.porthole.analyzer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
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
  private static final long NOW_NANOS = Timestamps.toEpochNanos(NOW);
  private final Map<String, HostState> hosts = new HashMap<>();

  private HostState host(String hostId) {
    return hosts.computeIfAbsent(hostId, id -> new HostState(id, NOW));
  }

  private static String dockerId(Random random) {
    StringBuilder id = new StringBuilder();
    while (id.length() < ContainerKey.DOCKER_ID_LENGTH) {
      id.append(String.format(Locale.ROOT, "%016x", random.nextLong()));
    }
    return id.toString();
  }

  /** The state of the container, or null, as the engine finds it. */
  private static ContainerState find(ContainerTable table, HostState host, String containerId) {
    int slot = table.activate(host, key(host, containerId), NOW_NANOS);
    return slot < 0 ? null : table.state(slot);
  }

  private static ContainerState add(ContainerTable table, HostState host, String containerId) {
    return table.state(table.add(host, key(host, containerId), NOW_NANOS));
  }

  private static ContainerKey key(HostState host, String containerId) {
    return ContainerKey.of(Topic.FLOWS, host.hostId(), containerId);
  }

  @Test
  void findsWhatWasAddedByHostAndIdAndNothingElse() {
    ContainerTable table = new ContainerTable();
    String id = "0123456789abcdef".repeat(4);
    ContainerState onA = add(table, host("host-a"), id);
    ContainerState shortId = add(table, host("host-a"), "c1");

    assertThat(find(table, host("host-a"), new String(id))).isSameAs(onA);
    assertThat(find(table, host("host-a"), "c1")).isSameAs(shortId);
    assertThat(find(table, host("host-b"), id)).as("the same id on another host").isNull();
    assertThat(find(table, host("host-a"), id.toUpperCase(Locale.ROOT)))
        .as("uppercase digits: another id, compared as a string")
        .isNull();
    assertThat(find(table, host("host-a"), id.substring(1) + "0")).isNull();
    assertThat(find(table, host("host-a"), "c2")).isNull();
    table.readAhead(key(host("host-a"), "c3"));
    assertThat(table.size()).as("reading ahead tracks nothing").isEqualTo(2);
    assertThat(onA.hostId()).isSameAs(hosts.get("host-a").hostId());
  }

  @Test
  void aHostForgottenAndSeenAgainFindsItsContainers() {
    ContainerTable table = new ContainerTable();
    String id = "0123456789abcdef".repeat(4);
    ContainerState docker = add(table, new HostState("host-a", NOW), id);
    ContainerState other = add(table, new HostState("host-a", NOW), "c1");

    HostState again = new HostState(new String("host-a"), NOW);
    assertThat(find(table, again, id)).isSameAs(docker);
    assertThat(find(table, again, "c1")).isSameAs(other);
    assertThat(find(table, again, id)).as("found again, under the new number").isSameAs(docker);
    assertThat(docker.host()).as("the host's state now").isSameAs(again);
    assertThat(other.host()).isSameAs(again);
    assertThat(table.size()).isEqualTo(2);
  }

  @Test
  void hostsWhoseIdsHashAlikeKeepTheirOwnContainers() {
    assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
    ContainerTable table = new ContainerTable();
    String id = "0123456789abcdef".repeat(4);
    ContainerState dockerOnAa = add(table, host("Aa"), id);
    ContainerState shortOnAa = add(table, host("Aa"), "c1");
    assertThat(find(table, host("BB"), id)).isNull();
    assertThat(find(table, host("BB"), "c1")).isNull();
    ContainerState dockerOnBb = add(table, host("BB"), id);
    ContainerState shortOnBb = add(table, host("BB"), "c1");

    HostState aaAgain = new HostState("Aa", NOW);
    assertThat(find(table, aaAgain, id)).isSameAs(dockerOnAa);
    assertThat(find(table, aaAgain, "c1")).isSameAs(shortOnAa);
    assertThat(find(table, host("BB"), id)).isSameAs(dockerOnBb);
    assertThat(find(table, host("BB"), "c1")).isSameAs(shortOnBb);
    assertThat(table.size()).isEqualTo(4);
  }

  @Test
  void aClusterAcrossTheEndOfTheTableIsFoundRemovedAndIterated() {
    // A fresh table has 1024 slots: keys whose home is the last slot, then keys whose home is the
    // first, make one cluster that runs from the last slot over the end into the first ones.
    Random random = new Random(3);
    List<String> atEnd = new ArrayList<>();
    List<String> atStart = new ArrayList<>();
    while (atEnd.size() < 3 || atStart.size() < 2) {
      String id = dockerId(random);
      int home = (int) key(host("h"), id).hash() & 1023;
      if (home == 1023 && atEnd.size() < 3) {
        atEnd.add(id);
      } else if (home == 0 && atStart.size() < 2) {
        atStart.add(id);
      }
    }
    ContainerTable table = new ContainerTable();
    Map<String, ContainerState> added = new HashMap<>();
    long activity = NOW_NANOS;
    for (String id : List.of(atEnd.get(0), atEnd.get(1), atStart.get(0), atEnd.get(2))) {
      added.put(id, table.state(table.add(host("h"), key(host("h"), id), activity++)));
    }
    added.put(
        atStart.get(1),
        table.state(table.add(host("h"), key(host("h"), atStart.get(1)), activity)));
    added.forEach((id, state) -> assertThat(find(table, host("h"), id)).isSameAs(state));

    assertThat(table.remove(added.remove(atEnd.get(0)))).isTrue();
    added.forEach((id, state) -> assertThat(find(table, host("h"), id)).as(id).isSameAs(state));

    // Every state visited once while those of the first slots' home are removed.
    List<ContainerState> visited = new ArrayList<>();
    for (Iterator<ContainerState> it = table.values().iterator(); it.hasNext(); ) {
      ContainerState state = it.next();
      visited.add(state);
      if (atStart.contains(state.containerId())) {
        it.remove();
      }
    }
    assertThat(visited).containsExactlyInAnyOrderElementsOf(added.values());
    assertThat(table.size()).isEqualTo(2);
    assertThat(find(table, host("h"), atEnd.get(1))).isSameAs(added.get(atEnd.get(1)));
    assertThat(find(table, host("h"), atEnd.get(2))).isSameAs(added.get(atEnd.get(2)));
    assertThat(find(table, host("h"), atStart.get(0))).isNull();
  }

  @Test
  void keepsTheLastActivityOfEachContainerAlsoOnceForgotten() {
    ContainerTable table = new ContainerTable();
    HostState host = host("h");
    ContainerState early = add(table, host, "early");
    ContainerState late = add(table, host, "late");
    table.activate(host, key(host, "late"), NOW_NANOS + 5_000_000_000L);

    assertThat(early.lastActivity()).isEqualTo(NOW);
    assertThat(late.lastActivity()).isEqualTo(NOW.plusSeconds(5));
    assertThat(table.removeInactiveBefore(NOW_NANOS + 1)).isEqualTo(1);
    assertThat(find(table, host, "early")).isNull();
    assertThat(early.lastActivity()).as("forgotten: as it was").isEqualTo(NOW);
    assertThat(table.remove(early)).isFalse();
    assertThat(find(table, host, "late")).isSameAs(late);
  }

  @Test
  void dockerIdsAreFourWordsOfLowercaseHex() {
    long[] words = new long[ContainerKey.DOCKER_ID_WORDS];
    String id = "00000000000000010000000000000002" + "f".repeat(32);
    assertThat(ContainerKey.dockerIdWords(id, words)).isTrue();
    assertThat(words).containsExactly(1L, 2L, -1L, -1L);
    assertThat(ContainerKey.dockerIdWords("g" + "0".repeat(63), words)).isFalse();
    assertThat(words).containsExactly(("g" + "0".repeat(63)).hashCode(), 0L, 0L, 0L);
    assertThat(ContainerKey.dockerIdWords("A" + "0".repeat(63), words)).isFalse();
    assertThat(ContainerKey.dockerIdWords("\u00e9" + "0".repeat(63), words)).isFalse();
    assertThat(ContainerKey.dockerIdWords("0".repeat(63), words)).isFalse();
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
    Map<ContainerState, Long> activity = new HashMap<>();
    for (int round = 0; round < 40_000; round++) {
      String key = keys.get(random.nextInt(keys.size()));
      HostState host = host(key.substring(0, key.indexOf('/')));
      String containerId = key.substring(key.indexOf('/') + 1);
      int slot = table.activate(host, key(host, containerId), NOW_NANOS + round);
      ContainerState found = slot < 0 ? null : table.state(slot);
      assertThat(found).as(key).isSameAs(model.get(key));
      if (found != null) {
        activity.put(found, NOW_NANOS + round);
      }
      int action = random.nextInt(10);
      if (found == null && action < 7) {
        ContainerState added =
            table.state(table.add(host, key(host, containerId), NOW_NANOS + round));
        model.put(key, added);
        activity.put(added, NOW_NANOS + round);
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
        assertThat(table.values()).containsExactlyInAnyOrderElementsOf(model.values());
      }
      assertThat(table.size()).isEqualTo(model.size());
    }
    activity.forEach(
        (state, nanos) ->
            assertThat(Timestamps.toEpochNanos(state.lastActivity()))
                .as("the last activity of %s", state.key())
                .isEqualTo(nanos));
    for (ContainerState state : model.values()) {
      assertThat(find(table, host(state.hostId()), state.containerId())).isSameAs(state);
    }
    assertThat(model.size()).as("the table grew past its first capacity").isGreaterThan(1_024);
  }

  @Test
  void theIteratorRemovesEverythingAndClearForgetsAll() {
    ContainerTable table = new ContainerTable();
    Random random = new Random(11);
    for (int i = 0; i < 2_000; i++) {
      add(table, host("h"), dockerId(random));
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

    ContainerState state = add(table, host("h"), "c1");
    table.clear();
    assertThat(find(table, host("h"), "c1")).isNull();
    assertThat(table.remove(state)).isFalse();
    assertThat(state.lastActivity()).isEqualTo(NOW);
    assertThat(table.size()).isZero();
  }

  @Test
  void anAdditionDuringIterationIsAConcurrentModification() {
    ContainerTable table = new ContainerTable();
    add(table, host("h"), "c1");
    Iterator<ContainerState> it = table.values().iterator();
    it.next();
    add(table, host("h"), "c2");
    assertThatThrownBy(it::hasNext).isInstanceOf(ConcurrentModificationException.class);
    Iterator<ContainerState> fresh = table.values().iterator();
    assertThatThrownBy(fresh::remove).isInstanceOf(IllegalStateException.class);
  }
}
