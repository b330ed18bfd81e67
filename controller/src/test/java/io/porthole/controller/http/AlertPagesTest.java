package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.controller.view.AlertQuery;
import io.porthole.controller.view.AlertsView;
import io.porthole.proto.Alert;
import io.porthole.wire.Timestamps;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertPagesTest {

  private static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");

  private static Alert alert(String id, String host, long lastSeen) {
    return Alert.newBuilder()
        .setAlertId(id)
        .setHostId(host)
        .setTitle("t-" + id + " \u00e9")
        .setLastSeen(Timestamps.of(T0.plusSeconds(lastSeen)))
        .setPublishedAt(Timestamps.of(T0.plusSeconds(lastSeen)))
        .build();
  }

  private static List<String> ids(Buffer page) {
    JsonArray alerts = new JsonObject(page).getJsonArray("alerts");
    return alerts.stream().map(a -> ((JsonObject) a).getString("alertId")).toList();
  }

  @Test
  void aPageIsTheViewsJsonOfTheQueryAndIsReusedWhileTheViewIsUnchanged() {
    AlertsView view = new AlertsView(10);
    view.onAlert(alert("a", "h1", 1));
    view.onAlert(alert("b", "h1", 2));
    AlertPages pages = new AlertPages(view);

    Buffer page = pages.page(AlertQuery.newest(10));
    assertThat(page.toString())
        .isEqualTo(
            "{\"alerts\":[" + String.join(",", view.queryJson(AlertQuery.newest(10))) + "]}");
    assertThat(ids(page)).containsExactly("b", "a");
    assertThat(new JsonObject(page).getJsonArray("alerts").getJsonObject(0).getString("title"))
        .isEqualTo("t-b \u00e9");
    assertThat(pages.page(AlertQuery.newest(10))).isSameAs(page);
    assertThat(pages.page(new AlertQuery(null, null, null, null, null, 10))).isSameAs(page);
  }

  @Test
  void anEmptyViewIsAnEmptyList() {
    assertThat(new AlertPages(new AlertsView(10)).page(AlertQuery.newest(5)).toString())
        .isEqualTo("{\"alerts\":[]}");
  }

  @Test
  void differentQueriesGetDifferentPages() {
    AlertsView view = new AlertsView(10);
    view.onAlert(alert("a", "h1", 1));
    view.onAlert(alert("b", "h2", 2));
    view.onAlert(alert("c", "h1", 3));
    AlertPages pages = new AlertPages(view);

    assertThat(ids(pages.page(AlertQuery.newest(10)))).containsExactly("c", "b", "a");
    assertThat(ids(pages.page(AlertQuery.newest(1)))).containsExactly("c");
    assertThat(ids(pages.page(new AlertQuery("h1", null, null, null, null, 10))))
        .containsExactly("c", "a");
    assertThat(ids(pages.page(new AlertQuery(null, null, null, null, T0.plusSeconds(2), 10))))
        .containsExactly("c", "b");
    assertThat(pages.size()).isEqualTo(4);
  }

  @Test
  void anArrivingOrUpdatedAlertReplacesThePages() {
    AlertsView view = new AlertsView(10);
    view.onAlert(alert("a", "h1", 1));
    AlertPages pages = new AlertPages(view);
    Buffer before = pages.page(AlertQuery.newest(10));

    view.onAlert(alert("b", "h1", 2));
    Buffer afterArrival = pages.page(AlertQuery.newest(10));
    assertThat(ids(afterArrival)).containsExactly("b", "a");

    view.onAlert(alert("a", "h1", 3).toBuilder().setOccurrences(7).build());
    Buffer afterUpdate = pages.page(AlertQuery.newest(10));
    assertThat(ids(afterUpdate)).containsExactly("a", "b");
    assertThat(
            new JsonObject(afterUpdate)
                .getJsonArray("alerts")
                .getJsonObject(0)
                .getInteger("occurrences"))
        .isEqualTo(7);
    assertThat(ids(before)).containsExactly("a");
  }

  @Test
  void anOlderVersionThatTheViewIgnoresKeepsThePage() {
    AlertsView view = new AlertsView(10);
    view.onAlert(alert("a", "h1", 5));
    AlertPages pages = new AlertPages(view);
    Buffer page = pages.page(AlertQuery.newest(10));

    assertThat(view.onAlert(alert("a", "h1", 1))).isEmpty();
    assertThat(pages.page(AlertQuery.newest(10))).isSameAs(page);
  }

  @Test
  void anEvictedAlertLeavesThePages() {
    AlertsView view = new AlertsView(2);
    view.onAlert(alert("a", "h1", 1));
    view.onAlert(alert("b", "h1", 2));
    AlertPages pages = new AlertPages(view);
    assertThat(ids(pages.page(new AlertQuery("h1", null, null, null, null, 10))))
        .containsExactly("b", "a");

    // "c" is on another host: the h1 page changes only because "a" is evicted
    view.onAlert(alert("c", "h2", 3));
    assertThat(ids(pages.page(new AlertQuery("h1", null, null, null, null, 10))))
        .containsExactly("b");
  }

  @Test
  void boundedByCountAndBytes() {
    AlertsView view = new AlertsView(10);
    view.onAlert(alert("a", "h1", 1));
    view.onAlert(alert("b", "h2", 2));
    AlertPages byCount = new AlertPages(view, 2, 1 << 20);
    Buffer newest = byCount.page(AlertQuery.newest(10));
    byCount.page(AlertQuery.newest(1));
    byCount.page(new AlertQuery("h1", null, null, null, null, 10));
    assertThat(byCount.size()).isEqualTo(2);
    // the least recently served page went first: the newest-10 page is built again
    assertThat(byCount.page(AlertQuery.newest(10))).isNotSameAs(newest).isEqualTo(newest);

    int onePage = newest.length();
    AlertPages byBytes = new AlertPages(view, 10, onePage - 1);
    Buffer tooLarge = byBytes.page(AlertQuery.newest(10));
    assertThat(byBytes.size()).isZero();
    assertThat(byBytes.page(AlertQuery.newest(10))).isNotSameAs(tooLarge).isEqualTo(tooLarge);
    byBytes.page(AlertQuery.newest(1));
    assertThat(byBytes.size()).isEqualTo(1);
  }
}
