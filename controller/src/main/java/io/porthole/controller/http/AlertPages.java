package io.porthole.controller.http;

import io.porthole.controller.view.AlertQuery;
import io.porthole.controller.view.AlertsView;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The response bodies of {@code GET /api/v1/alerts}, encoded once per query and reused until the
 * alerts view changes: the view changes when an alert arrives (a few a second at most), a dashboard
 * reads it far more often, and joining and encoding a page of alerts (about 1 KB each) was most of
 * the cost of a request. Bounded by count and by bytes; a change of the view drops every page.
 */
final class AlertPages {

  static final int DEFAULT_MAX_PAGES = 32;
  static final long DEFAULT_MAX_BYTES = 4L << 20;

  private static final byte[] OPEN = "{\"alerts\":[".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CLOSE = "]}".getBytes(StandardCharsets.UTF_8);

  private final AlertsView view;
  private final int maxPages;
  private final long maxBytes;
  // Access order: the least recently served page goes first.
  private final LinkedHashMap<AlertQuery, Buffer> pages = new LinkedHashMap<>(16, 0.75f, true);
  private long pagesVersion = -1;
  private long bytes;

  AlertPages(AlertsView view, int maxPages, long maxBytes) {
    this.view = Objects.requireNonNull(view, "view");
    if (maxPages < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("maxPages and maxBytes must be positive");
    }
    this.maxPages = maxPages;
    this.maxBytes = maxBytes;
  }

  AlertPages(AlertsView view) {
    this(view, DEFAULT_MAX_PAGES, DEFAULT_MAX_BYTES);
  }

  /** The body {@code {"alerts":[...]}} of the query against the view as it is now. */
  synchronized Buffer page(AlertQuery query) {
    // Read before the selection: a page is never older than the version it is filed under (at
    // worst newer, which only costs one more encoding after the next change).
    long version = view.version();
    if (version != pagesVersion) {
      pages.clear();
      bytes = 0;
      pagesVersion = version;
    }
    Buffer page = pages.get(query);
    if (page == null) {
      page = encode(view.queryJson(query));
      keep(query, page);
    }
    return page;
  }

  synchronized int size() {
    return pages.size();
  }

  private void keep(AlertQuery query, Buffer page) {
    if (page.length() > maxBytes) {
      return;
    }
    pages.put(query, page);
    bytes += page.length();
    var eldest = pages.entrySet().iterator();
    while (pages.size() > maxPages || bytes > maxBytes) {
      Map.Entry<AlertQuery, Buffer> evicted = eldest.next();
      bytes -= evicted.getValue().length();
      eldest.remove();
    }
  }

  private static Buffer encode(List<String> alerts) {
    byte[][] encoded = new byte[alerts.size()][];
    int length = OPEN.length + CLOSE.length + Math.max(0, alerts.size() - 1);
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = alerts.get(i).getBytes(StandardCharsets.UTF_8);
      length += encoded[i].length;
    }
    Buffer body = Buffer.buffer(length).appendBytes(OPEN);
    for (int i = 0; i < encoded.length; i++) {
      if (i > 0) {
        body.appendByte((byte) ',');
      }
      body.appendBytes(encoded[i]);
    }
    return body.appendBytes(CLOSE);
  }
}
