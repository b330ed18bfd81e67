package io.porthole.app.replay;

import io.porthole.app.CliFailure;
import io.porthole.app.CommandSettings;
import io.porthole.app.ServiceFactory;
import io.porthole.app.ServiceFactory.ReplayOutcome;
import io.porthole.app.kafka.KafkaReachability;
import io.porthole.collector.EventSink;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.wire.TopicNames;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a recorded strace log (strace -f -tt -T -o FILE) or a pcap file through the "
          + "collector's parsers.",
      "Without --kafka it prints the envelopes as JSON lines on stdout and needs no "
          + "broker; with --kafka it publishes them.",
      "Ends with one summary line on stderr."
    })
public final class ReplayCommand implements Callable<Integer> {

  static final class Input {
    @Option(names = "--strace", paramLabel = "FILE", required = true, description = "A strace log.")
    Path strace;

    @Option(
        names = "--pcap",
        paramLabel = "FILE",
        required = true,
        description = "A pcap file (tcpdump -w).")
    Path pcap;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(
      names = "--host-id",
      required = true,
      paramLabel = "ID",
      description = "Host id the events are attributed to.")
  String hostId;

  @Option(
      names = "--container-id",
      required = true,
      paramLabel = "ID",
      description = "Container id the events are attributed to.")
  String containerId;

  @Option(
      names = "--container-ip",
      paramLabel = "ADDRESS",
      description = "The container's address (pcap: decides the direction of flows).")
  String containerIp;

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      description = "Publish to this Kafka instead of printing.")
  String kafka;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      description = "A prefix in front of every topic name.")
  String topicPrefix;

  private final ServiceFactory services;
  private final PrintStream out;
  private final PrintStream err;

  public ReplayCommand(ServiceFactory services, PrintStream out, PrintStream err) {
    this.services = Objects.requireNonNull(services, "services");
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    Path file = input.strace != null ? input.strace : input.pcap;
    if (!Files.isReadable(file)) {
      throw CliFailure.usage("cannot read " + file + ": no such file or no permission");
    }
    if (input.pcap != null && (containerIp == null || containerIp.isBlank())) {
      throw CliFailure.usage(
          "--pcap needs --container-ip (the container's address decides each flow's direction)");
    }
    ReplayOutcome outcome;
    if (kafka == null) {
      JsonLinesSink sink = new JsonLinesSink(out);
      outcome = run(file, sink);
      out.flush();
    } else {
      Settings settings =
          CommandSettings.fromEnvironment()
              .option(KafkaSettings.BOOTSTRAP_KEY, kafka)
              .option(CommandSettings.TOPIC_PREFIX_KEY, topicPrefix)
              .build();
      KafkaSettings kafkaSettings = KafkaSettings.from(settings);
      KafkaReachability.require(kafkaSettings, Duration.ofSeconds(10));
      try (KafkaEnvelopeSink sink =
          new KafkaEnvelopeSink(
              kafkaSettings,
              TopicNames.withPrefix(settings.string(CommandSettings.TOPIC_PREFIX_KEY, "")))) {
        outcome = run(file, sink);
        sink.flush();
        if (sink.failures() > 0) {
          err.println(outcome.summaryLine());
          throw CliFailure.failure(
              sink.failures()
                  + " envelopes could not be published to Kafka at "
                  + kafka
                  + ": "
                  + sink.firstError());
        }
      }
    }
    err.println(outcome.summaryLine());
    return 0;
  }

  private ReplayOutcome run(Path file, EventSink sink) throws Exception {
    return input.strace != null
        ? services.replayStrace(file, hostId, containerId, sink)
        : services.replayPcap(file, hostId, containerId, containerIp, sink);
  }
}
