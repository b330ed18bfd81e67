package io.porthole.app;

import io.porthole.analyzer.AnalyzerService;
import io.porthole.collector.CollectorService;
import io.porthole.collector.EventSink;
import io.porthole.collector.packets.PcapReplay;
import io.porthole.collector.strace.StraceReplay;
import io.porthole.controller.ControllerService;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/** The services of the modules in this build, through their entry points. */
final class ModuleServices implements ServiceFactory {

  @Override
  public ServiceHandle collector(Vertx vertx, Settings settings) {
    CollectorService collector = CollectorService.create(vertx, settings);
    return handle(collector, collector::opsPort);
  }

  @Override
  public ServiceHandle analyzer(Vertx vertx, Settings settings) {
    AnalyzerService analyzer = AnalyzerService.create(vertx, settings);
    return handle(analyzer, analyzer::opsPort);
  }

  private static ServiceHandle handle(Lifecycle service, IntSupplier opsPort) {
    return new ServiceHandle() {
      @Override
      public Future<Void> start() {
        return service.start();
      }

      @Override
      public Future<Void> stop() {
        return service.stop();
      }

      @Override
      public int opsPort() {
        return opsPort.getAsInt();
      }
    };
  }

  @Override
  public ControllerHandle controller(Vertx vertx, Settings settings) {
    ControllerService controller = ControllerService.create(vertx, settings);
    return new ControllerHandle() {
      @Override
      public Future<Void> start() {
        return controller.start();
      }

      @Override
      public Future<Void> stop() {
        return controller.stop();
      }

      @Override
      public int actualPort() {
        return controller.actualPort();
      }
    };
  }

  @Override
  public ReplayOutcome replayStrace(Path file, String hostId, String containerId, EventSink sink)
      throws Exception {
    return new ReplayOutcome(new StraceReplay().run(file, hostId, containerId, sink).toString());
  }

  @Override
  public ReplayOutcome replayPcap(
      Path file, String hostId, String containerId, String containerIp, EventSink sink)
      throws Exception {
    return new ReplayOutcome(
        "pcap replay: "
            + new PcapReplay().run(file, hostId, containerId, containerIp, sink).describe());
  }
}
