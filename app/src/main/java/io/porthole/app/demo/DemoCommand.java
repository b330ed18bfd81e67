package io.porthole.app.demo;

import io.porthole.app.ServiceFactory;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "placeholder")
public final class DemoCommand implements Callable<Integer> {
  private final ServiceFactory services;
  private final PrintStream out;
  private final PrintStream err;

  public DemoCommand(ServiceFactory services, PrintStream out, PrintStream err) {
    this.services = services;
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    return 1;
  }
}
