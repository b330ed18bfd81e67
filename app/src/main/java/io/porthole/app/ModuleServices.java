package io.porthole.app;

import io.porthole.collector.EventSink;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * The services of the modules in this build. Modules that have not landed yet make their call fail
 * with one line naming what is missing.
 */
final class ModuleServices implements ServiceFactory {

  @Override
  public Lifecycle collector(Vertx vertx, Settings settings) {
    throw missing("the collector (io.porthole.collector.CollectorService)");
  }

  @Override
  public Lifecycle analyzer(Vertx vertx, Settings settings) {
    throw missing("the analyzer (io.porthole.analyzer.AnalyzerService)");
  }

  @Override
  public ControllerHandle controller(Vertx vertx, Settings settings) {
    throw missing("the controller (io.porthole.controller.ControllerService)");
  }

  @Override
  public ReplayOutcome replayStrace(Path file, String hostId, String containerId, EventSink sink) {
    throw missing("strace replay (io.porthole.collector.strace.StraceReplay)");
  }

  @Override
  public ReplayOutcome replayPcap(Path file, String hostId, String containerId, String containerIp, EventSink sink) {
    throw missing("pcap replay (io.porthole.collector.packets.PcapReplay)");
  }

  private static CliFailure missing(String what) {
    return CliFailure.failure(what + " is not part of this build yet");
  }
}
