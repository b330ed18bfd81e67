package io.porthole.collector.remediation;

import static io.porthole.collector.remediation.RemediationSteps.bounded;

import io.porthole.collector.remediation.RemediationSteps.Target;
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
 * CAPTURE_PACKETS: check the bounds, find the container, resolve its veths, prove each safe, keep
 * the one the command names (if it names one), capture on them into one pcap file, chunk it,
 * report.
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
    Bounds bounds =
        new Bounds(
            bounded(
                "duration_seconds",
                Duration.ofSeconds(command.getDurationSeconds()),
                config.captureDefaultDuration(),
                config.captureMaxDuration()),
            bounded(
                "max_packets",
                command.getMaxPackets(),
                config.captureDefaultPackets(),
                config.captureMaxPackets()),
            bounded(
                "max_bytes",
                command.getMaxBytes(),
                config.captureDefaultBytes(),
                config.captureMaxBytes()));
    return steps
        .runningContainerOnProvenNetwork(command)
        .map(target -> onlyTheNamedInterface(command, target))
        .compose(
            target ->
                command.getDryRun()
                    ? results.dryRun(
                        command,
                        started,
                        target.network(),
                        "would capture on "
                            + where(target)
                            + " for "
                            + bounds
                            + "; nothing captured")
                    : capture(command, target, bounds)
                        .map(captured -> report(command, started, target, bounds, captured)));
  }

  /**
   * The target narrowed to the interface the command names ({@code capture_interface}, as named
   * inside the container), or all of it when none is named; refused when the container has no
   * interface of that name. The whole network was proven safe before, named interface or not.
   */
  static Target onlyTheNamedInterface(RemediationCommand command, Target target) {
    String named = command.getCaptureInterface();
    if (named.isEmpty()) {
      return target;
    }
    return target
        .network()
        .onlyInterface(named)
        .map(network -> new Target(target.container(), network))
        .orElseThrow(
            () ->
                new RemediationRefused(
                    "container "
                        + target.container().label()
                        + " has no interface '"
                        + named
                        + "' (capture_interface); its interfaces: "
                        + target.network().insideNames()));
  }

  /** Captures on every veth of the target into one pcap file, read back and deleted. */
  private Future<Captured> capture(RemediationCommand command, Target target, Bounds bounds) {
    Path file = config.captureDir().resolve(command.getCommandId() + ".pcap");
    List<String> devices = target.network().veths().stream().map(VethVerdict::veth).toList();
    return steps.blocking(
        () -> {
          Files.createDirectories(file.getParent());
          try {
            PacketCapture.Summary summary =
                capture.capture(
                    devices, bounds.duration(), bounds.maxPackets(), bounds.maxBytes(), file);
            return new Captured(summary, Files.readAllBytes(file));
          } finally {
            Files.deleteIfExists(file);
          }
        });
  }

  /** The pcap in chunks, each result saying what was captured where and what stopped it. */
  private List<RemediationResult> report(
      RemediationCommand command,
      Instant started,
      Target target,
      Bounds bounds,
      Captured captured) {
    return results.artifact(
        command,
        started,
        captured.summary.packets()
            + " packets ("
            + captured.bytes.length
            + " bytes of pcap) captured on "
            + where(target)
            + ", stopped by "
            + captured.summary.stoppedBy()
            + " ("
            + bounds
            + ")",
        target.network().hostInterfaces(),
        ArtifactChunker.chunk(
            captured.bytes,
            config.chunkBytes(),
            ArtifactChunker.PCAP,
            "capture-" + target.container().label() + ".pcap"));
  }

  private static String where(Target target) {
    return target.network().describe() + " of " + target.container().label();
  }

  /** The capture's limits, each the command's value or the default, never above the maximum. */
  private record Bounds(Duration duration, long maxPackets, long maxBytes) {
    @Override
    public String toString() {
      return duration.toSeconds()
          + " s, at most "
          + maxPackets
          + " packets and "
          + maxBytes
          + " bytes";
    }
  }

  private record Captured(PacketCapture.Summary summary, byte[] bytes) {}
}
