package io.porthole.app;

import io.porthole.collector.EventSink;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * How the command line creates Porthole's services and runs the collector's offline replays: the
 * one place where the app meets the service modules' entry points.
 */
public interface ServiceFactory {

  ServiceHandle collector(Vertx vertx, Settings settings);

  ServiceHandle analyzer(Vertx vertx, Settings settings);

  ControllerHandle controller(Vertx vertx, Settings settings);

  ReplayOutcome replayStrace(Path file, String hostId, String containerId, EventSink sink)
      throws Exception;

  ReplayOutcome replayPcap(
      Path file, String hostId, String containerId, String containerIp, EventSink sink)
      throws Exception;

  /** A collector or analyzer: a lifecycle whose metrics and health port is known once started. */
  interface ServiceHandle extends Lifecycle {
    /** The port its metrics and health endpoint is bound to, or -1 when it serves none. */
    int opsPort();
  }

  /** The controller service: a lifecycle whose HTTP port is known once started. */
  interface ControllerHandle extends Lifecycle {
    int actualPort();
  }

  /** What a replay read and produced, as the one summary line the replay prints on stderr. */
  record ReplayOutcome(String summaryLine) {}
}
