package io.porthole.controller.view;

import io.porthole.proto.Alert;
import io.porthole.wire.ProtoJson;
import java.util.Objects;

/**
 * One version of an alert with its JSON (the protobuf JSON mapping), rendered on first use and then
 * kept, so that the alerts view and the live stream share one rendering. Rendering is the
 * controller's costliest step per alert, and most versions of a growing episode are superseded
 * before anyone reads them: rendering at arrival kept the event loop busy under an alert burst
 * (docs/benchmarks.md). Thread-safe: two threads asking at once may both render, and keep equal
 * strings.
 */
public final class RenderedAlert {
  private final Alert alert;
  private volatile String json;

  public RenderedAlert(Alert alert) {
    this.alert = Objects.requireNonNull(alert, "alert");
  }

  public Alert alert() {
    return alert;
  }

  /** The alert's JSON, rendered now if this is the first time it is asked for. */
  public String json() {
    String rendered = json;
    if (rendered == null) {
      rendered = ProtoJson.toJson(alert);
      json = rendered;
    }
    return rendered;
  }

  /** Whether {@link #json} was rendered already (for tests and diagnostics). */
  public boolean rendered() {
    return json != null;
  }
}
