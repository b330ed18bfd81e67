package io.porthole.app.suite;

import io.porthole.app.CommandSettings;
import io.porthole.app.ServiceFactory;
import io.porthole.runtime.KafkaSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Runs collector, analyzer and controller in one process. Without --kafka it starts an embedded Kafka broker"
          + " on 127.0.0.1 (data under the data directory) and creates the topics.",
      "Prints `kafka: HOST:PORT` and `controller: http://HOST:PORT` when ready; Ctrl-C stops everything."
    })
public final class UpCommand implements Callable<Integer> {

  @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "Use this Kafka instead of the embedded broker.")
  String kafka;

  @Option(names = "--http-port", paramLabel = "N", description = "The controller's HTTP port (default 8080; 0 picks a free one).")
  Integer httpPort;

  @Option(names = "--host-id", paramLabel = "ID", description = "This host's id in every event (default: the hostname).")
  String hostId;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the embedded broker and the generated credentials live (default: ~/.porthole).")
  Path dataDir;

  @Option(names = "--kafka-port", paramLabel = "N", description = "Port of the embedded broker (default: a free one).")
  Integer kafkaPort;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "A prefix in front of every topic name.")
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
            .option(CommandSettings.HOST_ID_KEY, hostId)
            .option(CommandSettings.DATA_DIR_KEY, dataDir)
            .option(io.porthole.app.kafka.EmbeddedKafkaConfig.PORT_KEY, kafkaPort)
            .option(CommandSettings.TOPIC_PREFIX_KEY, topicPrefix);
    Suite suite = new Suite(services, err);
    suite.runUntilSignalled(settings.build(), EnumSet.allOf(Suite.Service.class), () -> announce(suite, out));
    return 0;
  }

  /** The lines a user (and a script) waits for: where Kafka and the controller are, the token. */
  static void announce(Suite suite, PrintStream out) {
    Credentials credentials = suite.credentials();
    if (credentials != null && credentials.generated()) {
      out.println("operator token: " + credentials.operatorToken() + " (shown once; saved in " + credentials.file() + ")");
    } else if (credentials != null) {
      out.println("credentials: from the environment or " + credentials.file());
    }
    out.println("kafka: " + suite.bootstrapServers());
    int port = suite.controllerPort();
    if (port > 0) {
      out.println("controller: http://127.0.0.1:" + port);
      out.println(ConsoleLink.line(port, credentials));
    }
    out.println("running: " + String.join(", ", suite.running().stream().map(s -> s.name().toLowerCase()).toList()));
    out.flush();
  }
}
