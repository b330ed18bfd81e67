package io.porthole.app;

import io.porthole.collector.CollectorConfig;
import io.porthole.collector.CollectorService;
import io.porthole.collector.packets.CaptureConfig;
import io.porthole.collector.packets.PacketCaptureSource;
import io.porthole.collector.remediation.CommandConsumer;
import io.porthole.collector.remediation.KafkaResultSink;
import io.porthole.collector.remediation.RemediationConfig;
import io.porthole.collector.remediation.RemediationExecutor;
import io.porthole.collector.strace.StraceConfig;
import io.porthole.collector.strace.SyscallTracer;
import io.porthole.runtime.Settings;
import io.vertx.core.Vertx;

/**
 * The whole collector of a host: the core service (Docker events, heartbeat, publisher) with its
 * sources and executors added in start order: the strace tracer, packet capture (unless
 * {@code capture.enabled=false}), and the remediation command consumer (unless
 * {@code remediation.enabled=false}), which executes through the tracer for TRACE_SYSCALLS.
 */
final class CollectorAssembly {

  private CollectorAssembly() {}

  static CollectorService create(Vertx vertx, Settings settings) {
    CollectorService collector = CollectorService.create(vertx, settings);
    CollectorConfig core = collector.config();
    SyscallTracer tracer =
        new SyscallTracer(
            vertx, StraceConfig.from(settings), collector.directory(), collector.sink(), collector.stats(), core.hostId(),
            collector.dockerClient());
    collector.addComponent(tracer);
    CaptureConfig capture = CaptureConfig.from(settings);
    if (capture.enabled()) {
      collector.addComponent(
          new PacketCaptureSource(vertx, capture, collector.directory(), collector.sink(), collector.stats(), core.hostId()));
    }
    RemediationConfig remediation = RemediationConfig.from(settings);
    if (remediation.enabled()) {
      KafkaResultSink results = new KafkaResultSink(vertx, collector.publisher());
      RemediationExecutor executor =
          RemediationExecutor.create(
              vertx, remediation, core.hostId(), collector.dockerClient(), collector.directory(), tracer::trace, results);
      collector.addComponent(
          CommandConsumer.create(
              vertx, core.kafka(), remediation, core.hostId(), core.topicNames(), collector.publisher(), executor, results,
              collector.stats()));
    }
    return collector;
  }
}
