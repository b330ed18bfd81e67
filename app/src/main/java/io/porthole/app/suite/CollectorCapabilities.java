package io.porthole.app.suite;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns off the collector sources this machine cannot run (Preflight), so that the collector runs
 * with the rest instead of failing: packet capture without root. (The strace tracer degrades by
 * itself when there is no strace binary or no permission.)
 */
final class CollectorCapabilities {

  static final String CAPTURE_ENABLED_KEY = "capture.enabled";

  private CollectorCapabilities() {}

  static Map<String, String> overrides(Preflight preflight) {
    Map<String, String> overrides = new HashMap<>();
    if (!preflight.root()) {
      overrides.put(CAPTURE_ENABLED_KEY, "false");
    }
    return overrides;
  }
}
