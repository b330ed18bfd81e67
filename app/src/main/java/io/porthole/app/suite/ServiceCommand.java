package io.porthole.app.suite;

import io.porthole.app.CliFailure;
import io.porthole.app.CommandSettings;
import io.porthole.app.ServiceFactory;
import io.porthole.runtime.KafkaSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One service against an existing Kafka, for a real deployment: collector, analyzer or controller.
 */
@Command(mixinStandardHelpOptions = true)
public final class ServiceCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (default: PORTHOLE_KAFKA_BOOTSTRAP_SERVERS).")
  String kafka;

  @Option(
      names = "--host-id",
      paramLabel = "ID",
      description = "This host's id (collector; default: the hostname).")
  String hostId;

  @Option(
      names = "--http-port",
      paramLabel = "N",
      description =
          "HTTP port: the controller's API, or the collector's or analyzer's /metrics and /health"
              + " (default 8080, 9464 and 9465; 0 picks a free one).")
  Integer httpPort;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      description =
          "The address the HTTP port listens on (default 0.0.0.0, every interface, or "
              + "PORTHOLE_HTTP_HOST).")
  String httpHost;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where generated credentials are kept (default: ~/.porthole).")
  Path dataDir;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      description = "A prefix in front of every topic name.")
  String topicPrefix;

  private final Suite.Service service;
  private final ServiceFactory services;
  private final PrintStream out;
  private final PrintStream err;

  public ServiceCommand(
      Suite.Service service, ServiceFactory services, PrintStream out, PrintStream err) {
    this.service = service;
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
            .option(CommandSettings.TOPIC_PREFIX_KEY, topicPrefix);
    var built = settings.build();
    if (built.optional(KafkaSettings.BOOTSTRAP_KEY).isEmpty()) {
      throw CliFailure.usage(
          spec.name()
              + " needs Kafka: --kafka HOST:PORT or PORTHOLE_KAFKA_BOOTSTRAP_SERVERS (or "
              + "run `porthole up` for everything with an embedded broker)");
    }
    Suite suite = new Suite(services, err);
    suite.runUntilSignalled(
        built,
        EnumSet.of(service),
        () -> {
          if (!suite.running().contains(service)) {
            throw CliFailure.failure(spec.name() + " did not start (see above)");
          }
          UpCommand.announce(suite, out);
        });
    return 0;
  }
}
