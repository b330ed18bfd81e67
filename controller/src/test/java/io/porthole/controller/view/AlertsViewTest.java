package io.porthole.controller.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.ProtoJson;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertsViewTest {

  private static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");
  private final AlertsView view = new AlertsView(100);

  private static Alert alert(
      String id,
      Rule rule,
      Severity severity,
      String host,
      String container,
      long lastSeen,
      long published) {
    return Alert.newBuilder()
        .setAlertId(id)
        .setRule(rule)
        .setSeverity(severity)
        .setHostId(host)
        .setContainerId(container + "0123456789")
        .setContainerName(container)
        .setLastSeen(Timestamps.of(T0.plusSeconds(lastSeen)))
        .setPublishedAt(Timestamps.of(T0.plusSeconds(published)))
        .build();
  }

  @Test
  void aVersionIsRenderedOnlyWhenAQueryNeedsItAndThenOnce() {
    RenderedAlert superseded =
        view.onAlert(alert("a", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 10, 10)).orElseThrow();
    RenderedAlert newest =
        view.onAlert(
                alert("a", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 20, 20).toBuilder()
                    .setOccurrences(2)
                    .build())
            .orElseThrow();
    assertThat(superseded.rendered()).isFalse();
    assertThat(newest.rendered()).isFalse();

    List<String> json = view.queryJson(AlertQuery.newest(10));

    assertThat(json).singleElement().asString().contains("\"occurrences\":2");
    assertThat(newest.rendered()).isTrue();
    assertThat(superseded.rendered()).isFalse();
    // The live stream is handed the same version: it reuses the rendering.
    assertThat(newest.json()).isSameAs(json.get(0));
  }

  @Test
  void keepsTheNewestVersionPerAlertId() {
    view.onAlert(
        alert("a", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 10, 10).toBuilder()
            .setOccurrences(2)
            .build());
    assertThat(
            view.onAlert(
                alert("a", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 5, 5).toBuilder()
                    .setOccurrences(1)
                    .build()))
        .isEmpty();
    assertThat(view.query(AlertQuery.newest(10)))
        .singleElement()
        .extracting(Alert::getOccurrences)
        .isEqualTo(2);
    assertThat(
            view.onAlert(
                alert("a", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 20, 20).toBuilder()
                    .setOccurrences(3)
                    .build()))
        .isPresent();
    assertThat(view.query(AlertQuery.newest(10)))
        .singleElement()
        .extracting(Alert::getOccurrences)
        .isEqualTo(3);
  }

  @Test
  void queriesFilterAndSortNewestFirst() {
    view.onAlert(alert("1", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 30, 30));
    view.onAlert(alert("2", Rule.HOST_NAMESPACES, Severity.CRITICAL, "h1", "db", 20, 20));
    view.onAlert(alert("3", Rule.MISSING_SYSCALL, Severity.LOW, "h2", "web", 10, 10));
    assertThat(view.query(AlertQuery.newest(10)))
        .extracting(Alert::getAlertId)
        .containsExactly("1", "2", "3");
    assertThat(view.query(AlertQuery.newest(2)))
        .extracting(Alert::getAlertId)
        .containsExactly("1", "2");
    assertThat(view.query(new AlertQuery("h1", null, null, null, null, 10)))
        .extracting(Alert::getAlertId)
        .containsExactly("1", "2");
    assertThat(view.query(new AlertQuery(null, "web", null, null, null, 10)))
        .extracting(Alert::getAlertId)
        .containsExactly("1", "3");
    assertThat(view.query(new AlertQuery(null, "db0123", null, null, null, 10)))
        .extracting(Alert::getAlertId)
        .containsExactly("2");
    assertThat(view.query(new AlertQuery(null, null, Rule.MISSING_SYSCALL, null, null, 10)))
        .extracting(Alert::getAlertId)
        .containsExactly("3");
    assertThat(view.query(new AlertQuery(null, null, null, Severity.HIGH, null, 10)))
        .extracting(Alert::getAlertId)
        .containsExactly("1", "2");
    assertThat(view.query(new AlertQuery(null, null, null, null, T0.plusSeconds(20), 10)))
        .extracting(Alert::getAlertId)
        .containsExactly("1", "2");
  }

  @Test
  void boundedAndIgnoresAlertsWithoutId() {
    AlertsView small = new AlertsView(2);
    assertThat(small.onAlert(Alert.getDefaultInstance())).isEmpty();
    small.onAlert(alert("1", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 1, 1));
    small.onAlert(alert("2", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 2, 2));
    small.onAlert(alert("3", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 3, 3));
    assertThat(small.query(AlertQuery.newest(10)))
        .extracting(Alert::getAlertId)
        .containsExactly("3", "2");
  }

  @Test
  void jsonQueriesFollowTheSameOrderAndFiltersAndTrackUpdatesAndEvictions() {
    AlertsView view = new AlertsView(2);
    view.onAlert(
        Alert.newBuilder().setAlertId("a").setHostId("h1").setLastSeen(Timestamps.of(T0)).build());
    view.onAlert(
        Alert.newBuilder()
            .setAlertId("b")
            .setHostId("h2")
            .setLastSeen(Timestamps.of(T0.plusSeconds(5)))
            .build());
    assertThat(view.queryJson(AlertQuery.newest(10)))
        .containsExactly(
            ProtoJson.toJson(view.query(AlertQuery.newest(10)).get(0)),
            ProtoJson.toJson(view.query(AlertQuery.newest(10)).get(1)));
    assertThat(view.queryJson(AlertQuery.newest(10)).get(0)).contains("\"alertId\":\"b\"");
    // "a" moves to the front when its episode grows
    view.onAlert(
        Alert.newBuilder()
            .setAlertId("a")
            .setHostId("h1")
            .setOccurrences(2)
            .setLastSeen(Timestamps.of(T0.plusSeconds(9)))
            .build());
    assertThat(view.query(AlertQuery.newest(10)))
        .extracting(Alert::getAlertId)
        .containsExactly("a", "b");
    assertThat(view.queryJson(AlertQuery.newest(1)))
        .singleElement()
        .asString()
        .contains("\"occurrences\":2");
    // a third alert evicts the least recently updated one ("b") from both the map and the order
    view.onAlert(
        Alert.newBuilder()
            .setAlertId("c")
            .setHostId("h2")
            .setLastSeen(Timestamps.of(T0.plusSeconds(1)))
            .build());
    assertThat(view.query(AlertQuery.newest(10)))
        .extracting(Alert::getAlertId)
        .containsExactly("a", "c");
    assertThat(view.size()).isEqualTo(2);
  }

  @Test
  void theVersionChangesExactlyWhenTheViewDoes() {
    AlertsView small = new AlertsView(1);
    long start = small.version();
    small.onAlert(alert("1", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 5, 5));
    long afterArrival = small.version();
    assertThat(afterArrival).isNotEqualTo(start);
    small.onAlert(alert("1", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 1, 1));
    small.onAlert(Alert.getDefaultInstance());
    assertThat(small.version()).as("ignored alerts change nothing").isEqualTo(afterArrival);
    small.onAlert(alert("2", Rule.OOM_KILLED, Severity.HIGH, "h1", "web", 6, 6));
    assertThat(small.version()).as("an arrival that evicts").isNotEqualTo(afterArrival);
  }
}
