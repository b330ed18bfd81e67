package io.porthole.collector.remediation;

import static io.porthole.collector.remediation.RemediationSteps.bounded;
import static io.porthole.proto.RemediationStatus.SUCCEEDED;

import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * CAPTURE_PACKETS: check the bounds, find the container, resolve its veths, prove each safe,
 * capture on all of them into one pcap file, chunk it, report.
 */
final class CapturePackets implements ActionHandler {

  private final RemediationSteps steps;
  private final PacketCapture capture;
  private final ResultFactory results;
  private final RemediationConfig config;

  CapturePackets(
      RemediationSteps steps,
      PacketCapture capture,
      ResultFactory results,
      RemediationConfig config) {
    this.steps = Objects.requireNonNull(steps, "steps");
    this.capture = Objects.requireNonNull(capture, "capture");
    this.results = Objects.requireNonNull(results, "results");
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public RemediationAction action() {
    return RemediationAction.CAPTURE_PACKETS;
  }

  @Override
  public Future<List<RemediationResult>> handle(RemediationCommand command, Instant started) {
    Duration duration =
        bounded(
            "duration_seconds",
            Duration.ofSeconds(command.getDurationSeconds()),
            config.captureDefaultDuration(),
            config.captureMaxDuration());
    long maxPackets =
        bounded(
            "max_packets",
            command.getMaxPackets(),
            config.captureDefaultPackets(),
            config.captureMaxPackets());
    long maxBytes =
        bounded(
            "max_bytes",
            command.getMaxBytes(),
            config.captureDefaultBytes(),
            config.captureMaxBytes());
    String bounds =
        duration.toSeconds() + " s, at most " + maxPackets + " packets and " + maxBytes + " bytes";
    return steps
        .findRunningContainer(command)
        .compose(
            container ->
                steps
                    .provenNetwork(container)
                    .compose(
                        network -> {
                          if (command.getDryRun()) {
                            return Future.succeededFuture(
                                List.of(
                                    results
                                        .result(
                                            command,
                                            started,
                                            SUCCEEDED,
                                            "dry run: would capture on "
                                                + network.describe()
                                                + " of "
                                                + container.label()
                                                + " for "
                                                + bounds
                                                + "; nothing captured")
                                        .setInterface(network.hostInterfaces())
                                        .build()));
                          }
                          Path file = config.captureDir().resolve(command.getCommandId() + ".pcap");
                          List<String> devices =
                              network.veths().stream().map(VethVerdict::veth).toList();
                          return steps
                              .blocking(
                                  () -> {
                                    Files.createDirectories(file.getParent());
                                    try {
                                      PacketCapture.Summary summary =
                                          capture.capture(
                                              devices, duration, maxPackets, maxBytes, file);
                                      return new Captured(summary, Files.readAllBytes(file));
                                    } finally {
                                      Files.deleteIfExists(file);
                                    }
                                  })
                              .map(
                                  captured ->
                                      results.artifact(
                                          command,
                                          started,
                                          captured.summary.packets()
                                              + " packets ("
                                              + captured.bytes.length
                                              + " bytes of pcap) captured on "
                                              + network.describe()
                                              + " of "
                                              + container.label()
                                              + ", stopped by "
                                              + captured.summary.stoppedBy()
                                              + " ("
                                              + bounds
                                              + ")",
                                          network.hostInterfaces(),
                                          ArtifactChunker.chunk(
                                              captured.bytes,
                                              config.chunkBytes(),
                                              ArtifactChunker.PCAP,
                                              "capture-" + container.label() + ".pcap")));
                        }));
  }

  private record Captured(PacketCapture.Summary summary, byte[] bytes) {}
}
