package io.porthole.app.suite;

import io.porthole.app.CommandSettings;
import io.porthole.app.ServiceFactory;
import io.porthole.app.kafka.EmbeddedKafkaConfig;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Runs collector, analyzer and controller in one process. Without --kafka it starts "
          + "an embedded Kafka broker"
          + " on 127.0.0.1 (data under the data directory) and creates the topics.",
      "Prints `kafka: HOST:PORT` and `controller: http://HOST:PORT` (the address it really listens on) when ready;"
          + " Ctrl-C stops everything.",
      "The controller listens on 127.0.0.1 unless --http-host (or PORTHOLE_HTTP_HOST) "
          + "says otherwise."
    })
public final class UpCommand implements Callable<Integer> {

  static final String LOOPBACK = "127.0.0.1";

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      description = "Use this Kafka instead of the embedded broker.")
  String kafka;

  @Option(
      names = "--http-port",
      paramLabel = "N",
      description = "The controller's HTTP port (default 8080; 0 picks a free one).")
  Integer httpPort;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      description =
          "The address the controller listens on (default 127.0.0.1, or PORTHOLE_HTTP_HOST;"
              + " 0.0.0.0 for every interface).")
  String httpHost;

  @Option(
      names = "--host-id",
      paramLabel = "ID",
      description = "This host's id in every event (default: the hostname).")
  String hostId;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Where the embedded broker and the generated credentials live (default: ~/.porthole).")
  Path dataDir;

  @Option(
      names = "--kafka-port",
      paramLabel = "N",
      description = "Port of the embedded broker (default: a free one).")
  Integer kafkaPort;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      description = "A prefix in front of every topic name.")
  String topicPrefix;

  private final ServiceFactory services;
  private final PrintStream out;
  private final PrintStream err;

  public UpCommand(ServiceFactory services, PrintStream out, PrintStream err) {
    this.services = services;
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    CommandSettings settings =
        CommandSettings.fromEnvironment()
            .option(KafkaSettings.BOOTSTRAP_KEY, kafka)
            .option(CommandSettings.HTTP_PORT_KEY, httpPort)
            .option(CommandSettings.HTTP_HOST_KEY, httpHost)
            .option(CommandSettings.HOST_ID_KEY, hostId)
            .option(CommandSettings.DATA_DIR_KEY, dataDir)
            .option(EmbeddedKafkaConfig.PORT_KEY, kafkaPort)
            .option(CommandSettings.TOPIC_PREFIX_KEY, topicPrefix);
    Settings built = settings.build();
    if (built.optional(CommandSettings.HTTP_HOST_KEY).isEmpty()) {
      // Everything in one process on a workstation: the API (which can isolate containers) is not
      // offered to the network unless asked for.
      built = built.with(Map.of(CommandSettings.HTTP_HOST_KEY, LOOPBACK));
    }
    Suite suite = new Suite(services, err);
    suite.runUntilSignalled(built, EnumSet.allOf(Suite.Service.class), () -> announce(suite, out));
    return 0;
  }

  /** The lines a user (and a script) waits for: where Kafka and the controller are, the token. */
  static void announce(Suite suite, PrintStream out) {
    Credentials credentials = suite.credentials();
    if (credentials != null) {
      out.println(
          credentials.generated()
              ? "operator token: "
                  + credentials.operatorToken()
                  + " (shown once; saved in "
                  + credentials.file()
                  + ")"
              : "credentials: from the environment or " + credentials.file());
      if (credentials.keysGenerated()) {
        out.println(
            "command keys: generated "
                + credentials.signingKeyFile()
                + " (private, controller only) and "
                + credentials.publicKeyFile()
                + " (public, for collectors)");
      }
    }
    out.println("kafka: " + suite.bootstrapServers());
    suite.metricsAddress().ifPresent(address -> out.println("metrics: " + address));
    int port = suite.controllerPort();
    if (port > 0) {
      out.println("controller: " + suite.controllerAddress());
      out.println(ConsoleLink.line(suite.controllerAddress(), credentials));
    }
    out.println(
        "running: "
            + String.join(
                ", ", suite.running().stream().map(s -> s.name().toLowerCase()).toList()));
    out.flush();
  }
}
