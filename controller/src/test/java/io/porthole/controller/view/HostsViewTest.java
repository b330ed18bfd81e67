package io.porthole.controller.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.CollectorHeartbeat;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HostsViewTest {

  private static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");
  private final HostsView view = new HostsView(10);

  private static CollectorHeartbeat heartbeat(String host, Instant time, String kernel) {
    return CollectorHeartbeat.newBuilder()
        .setHostId(host)
        .setTime(Timestamps.of(time))
        .setIntervalSeconds(10)
        .setKernelVersion(kernel)
        .build();
  }

  @Test
  void keepsTheNewestHeartbeatWhateverTheOrder() {
    view.onHeartbeat(heartbeat("h1", T0.plusSeconds(20), "new"));
    view.onHeartbeat(heartbeat("h1", T0, "old"));
    HostsView.Host host = view.host("h1").orElseThrow();
    assertThat(host.heartbeat().getKernelVersion()).isEqualTo("new");
    assertThat(host.lastHeartbeat()).contains(T0.plusSeconds(20));
  }

  @Test
  void silentAfterThreeMissedIntervalsOrWithoutAnyHeartbeat() {
    view.onHeartbeat(heartbeat("h1", T0, "k"));
    view.onContainerEvent("h2", T0);
    assertThat(view.host("h1").orElseThrow().silent(T0.plusSeconds(30))).isFalse();
    assertThat(view.host("h1").orElseThrow().silent(T0.plusSeconds(31))).isTrue();
    assertThat(view.host("h2").orElseThrow().silent(T0)).isTrue();
    assertThat(view.host("h2").orElseThrow().lastEventAt()).isEqualTo(T0);
    assertThat(view.all()).extracting(HostsView.Host::hostId).containsExactly("h1", "h2");
  }

  @Test
  void ignoresHeartbeatsWithoutHostAndIsBounded() {
    HostsView small = new HostsView(2);
    small.onHeartbeat(CollectorHeartbeat.getDefaultInstance());
    small.onHeartbeat(heartbeat("a", T0, "k"));
    small.onHeartbeat(heartbeat("b", T0, "k"));
    small.onHeartbeat(heartbeat("c", T0, "k"));
    assertThat(small.all()).extracting(HostsView.Host::hostId).containsExactly("b", "c");
  }
}
