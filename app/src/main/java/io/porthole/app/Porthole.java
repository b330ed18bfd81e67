package io.porthole.app;

import io.porthole.app.demo.DemoCommand;
import io.porthole.app.replay.ReplayCommand;
import io.porthole.app.suite.ServiceCommand;
import io.porthole.app.suite.Suite;
import io.porthole.app.suite.UpCommand;
import io.porthole.app.tail.TailCommand;
import io.porthole.runtime.ConfigException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code porthole} command line: exit code 0 ok, 1 failure, 2 usage or configuration error. */
@Command(
    name = "porthole",
    mixinStandardHelpOptions = true,
    version = "porthole 0.1.0",
    description = "Sees Docker hosts from below the container abstraction.",
    commandListHeading = "%nCommands:%n")
public final class Porthole implements Callable<Integer> {

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(new ModuleServices(), System.out, System.err, args));
  }

  /** Runs one command line and returns its exit code. */
  public static int run(ServiceFactory services, PrintStream out, PrintStream err, String... args) {
    CommandLine cli = commandLine(services, out, err);
    return cli.execute(args);
  }

  static CommandLine commandLine(ServiceFactory services, PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new Porthole());
    cli.addSubcommand("up", new UpCommand(services, out, err));
    for (Suite.Service service : Suite.Service.values()) {
      String name = service.name().toLowerCase();
      CommandLine sub = new CommandLine(new ServiceCommand(service, services, out, err));
      sub.getCommandSpec()
          .usageMessage()
          .description(
              "Runs the " + name + " alone against an existing Kafka (a real deployment).");
      cli.addSubcommand(name, sub);
    }
    cli.addSubcommand("tail", new TailCommand(out));
    cli.addSubcommand("replay", new ReplayCommand(services, out, err));
    cli.addSubcommand("demo", new DemoCommand(services, out, err));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler(
        (exception, commandLine, parseResult) -> {
          if (exception instanceof CliFailure failure) {
            err.println("porthole: " + OneLine.of(failure.getMessage()));
            return failure.exitCode();
          }
          if (exception instanceof ConfigException config) {
            err.println("porthole: configuration: " + OneLine.of(config.getMessage()));
            return CliFailure.USAGE;
          }
          err.println(
              "porthole: " + commandLine.getCommandName() + " failed: " + describe(exception));
          if (System.getenv("PORTHOLE_DEBUG") != null) {
            exception.printStackTrace(err);
          }
          return CliFailure.FAILURE;
        });
    cli.setParameterExceptionHandler(
        (exception, args) -> {
          CommandLine failed = exception.getCommandLine();
          err.println("porthole: " + exception.getMessage());
          err.println(
              "try: porthole "
                  + (failed.getParent() == null ? "" : failed.getCommandName() + " ")
                  + "--help");
          return CliFailure.USAGE;
        });
    return cli;
  }

  private static String describe(Throwable e) {
    return OneLine.of(e);
  }

  /** Without a command: the usage, and the usage error's exit code. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliFailure.USAGE;
  }
}
